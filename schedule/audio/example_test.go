package audio_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/airkeep/airkeep/schedule/audio"
)

func ExampleDuration() {
	f, err := os.Open("testdata/mp3-vbr-stereo.mp3")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	d, format, err := audio.Duration(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(format, d)
	// Output: mp3 2s
}

func ExampleDurationFile() {
	for _, name := range []string{"opus-mono.opus", "wav-24-stereo-ext.wav", "make-fixtures.sh"} {
		d, format, err := audio.DurationFile(filepath.Join("testdata", name))
		var fe *audio.FormatError
		switch {
		case errors.Is(err, audio.ErrUnknownFormat):
			fmt.Println(name, "is not a sound")
		case errors.As(err, &fe):
			fmt.Println(name, "is a broken", fe.Format, "file:", fe.Reason)
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Println(name, format, d)
		}
	}
	// Output:
	// opus-mono.opus ogg/opus 2s
	// wav-24-stereo-ext.wav wav 250ms
	// make-fixtures.sh is not a sound
}

func ExampleReadTags() {
	f, err := os.Open("testdata/tags-opus.opus")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	tags, format, err := audio.ReadTags(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(format, tags.Title, "|", tags.Artist, "|", tags.Label)
	for _, d := range tags.Dropped {
		fmt.Println("dropped:", d.Tag, d.Reason)
	}
	// Output:
	// ogg/opus Opus title | Opus artist | Pub
	// dropped: Vorbis comment ISRC not an ISRC
}

func ExampleParseISRC() {
	for _, s := range []string{"us-s1z-99-00001", "FRZ03980021"} {
		isrc, err := audio.ParseISRC(s)
		fmt.Println(isrc, err)
	}
	// Output:
	// USS1Z9900001 <nil>
	//  audio: bad ISRC "FRZ03980021": 11 characters, not 12
}

#!/bin/sh
# Regenerates the fixtures of audio_test.go with ffmpeg (5.1, Debian 12)
# and prints, for each, the two durations the tests compare against:
# ffprobe's format duration, and the length of what ffmpeg decodes.
# Tones are short and quiet-rate so that every file stays a few KB.
set -eu
cd "$(dirname "$0")"
ff() { ffmpeg -hide_banner -loglevel error -y -bitexact "$@"; }
sine() { echo "sine=frequency=$1:sample_rate=$2:duration=$3"; }

# MP3 (libmp3lame writes a Xing/Info header with a LAME tag unless told not to).
ff -f lavfi -i "$(sine 440 44100 2)" -ac 1 -c:a libmp3lame -b:a 32k mp3-cbr-mono.mp3
ff -f lavfi -i "$(sine 440 44100 2)" -f lavfi -i "$(sine 660 44100 2)" -filter_complex amerge \
	-c:a libmp3lame -q:a 9 mp3-vbr-stereo.mp3
ff -f lavfi -i "$(sine 440 44100 2)" -ac 1 -c:a libmp3lame -b:a 32k -write_xing 0 mp3-noxing.mp3
ff -f lavfi -i "$(sine 440 44100 2)" -f lavfi -i "$(sine 660 44100 2)" -filter_complex amerge \
	-c:a libmp3lame -q:a 9 -write_xing 0 mp3-vbr-noxing.mp3
ff -f lavfi -i "$(sine 440 44100 1.5)" -f lavfi -i color=c=red:s=8x8:d=1 \
	-map 0:a -map 1:v -frames:v 1 -c:v png -disposition:v attached_pic \
	-ac 1 -c:a libmp3lame -b:a 32k -id3v2_version 3 -write_id3v1 1 \
	-metadata title="Test tone" -metadata artist=airkeep -metadata album=fixtures mp3-id3-cover.mp3
ff -f lavfi -i "$(sine 440 22050 2)" -ac 1 -c:a libmp3lame -b:a 24k mp3-mpeg2.mp3
ff -f lavfi -i "$(sine 440 8000 2)" -ac 1 -c:a libmp3lame -b:a 8k mp3-mpeg25.mp3
ff -f lavfi -i "$(sine 440 32000 1)" -ac 1 -c:a mp2 -b:a 32k mp2-layer2.mp2

# Ogg. chained.ogg is two streams one after the other, as an Icecast
# recording across a source change is.
ff -f lavfi -i "$(sine 440 22050 2)" -f lavfi -i "$(sine 660 22050 2)" -filter_complex amerge \
	-c:a libvorbis -q:a 0 vorbis-stereo.ogg
ff -f lavfi -i "$(sine 440 48000 2)" -ac 1 -c:a libopus -b:a 12k opus-mono.opus
ff -f lavfi -i "$(sine 440 48000 1)" -ac 1 -c:a libopus -b:a 12k -serial_offset 7 /tmp/chained-b.opus
cat opus-mono.opus /tmp/chained-b.opus >chained.opus
rm /tmp/chained-b.opus

# FLAC.
ff -f lavfi -i "$(sine 440 8000 1)" -ac 1 -c:a flac flac-16-mono.flac
ff -f lavfi -i "$(sine 440 16000 0.25)" -ac 2 -c:a flac -sample_fmt s32 flac-24-stereo.flac

# WAV: PCM with a LIST chunk before the data, 24-bit (ffmpeg writes
# WAVE_FORMAT_EXTENSIBLE for more than 16 bits), RF64, float, and ADPCM,
# whose duration only the fact chunk gives.
ff -f lavfi -i "$(sine 440 8000 0.5)" -ac 1 -c:a pcm_s16le -metadata title="Test tone" wav-16-mono.wav
ff -f lavfi -i "$(sine 440 8000 0.25)" -ac 2 -c:a pcm_s24le wav-24-stereo-ext.wav
ff -f lavfi -i "$(sine 440 8000 0.25)" -ac 1 -c:a pcm_s16le -rf64 always wav-rf64.wav
ff -f lavfi -i "$(sine 440 8000 0.25)" -ac 1 -c:a pcm_f32le wav-float.wav
ff -f lavfi -i "$(sine 440 8000 1)" -ac 1 -c:a adpcm_ms wav-adpcm.wav

# Tags, as ffmpeg writes them from -metadata: ID3v2.3 (text in ISO-8859-1
# or, past it, UTF-16 with a byte order mark) with an ID3v1 tag (which
# ffmpeg writes in UTF-8, and only beside an ID3v2 tag), ID3v2.4 (UTF-8), Vorbis comments in Ogg Vorbis, Opus and FLAC, and
# RIFF INFO in WAV. The key "TSRC" writes the ISRC frame; Vorbis keys are
# written as given. tags-long.opus has a 100 kB comment before the title,
# so that the comment header spans pages.
tone() { ff -f lavfi -i "$(sine 440 8000 0.2)" -ac 1 -metadata album=Fixtures "$@"; }
tone -c:a libmp3lame -b:a 8k -id3v2_version 3 -write_id3v1 1 -metadata "title=Chanson d'été" \
	-metadata artist=Zoé -metadata "publisher=Label Été" -metadata TSRC=FRZ039800212 tags-id3v23.mp3
tone -c:a libmp3lame -b:a 8k -id3v2_version 4 -metadata title=東京 -metadata artist=Artist \
	-metadata publisher=Label -metadata TSRC=us-s1z-99-00001 tags-id3v24.mp3
tone -c:a libvorbis -metadata "title=Vorbis title" -metadata "artist=Vorbis artist" \
	-metadata ORGANIZATION=Org -metadata LABEL=Label -metadata ISRC=GBAYE6800011 tags-vorbis.ogg
tone -c:a libopus -b:a 8k -metadata "title=Opus title" -metadata "artist=Opus artist" \
	-metadata PUBLISHER=Pub -metadata ISRC=NOTANISRC tags-opus.opus
tone -c:a libopus -b:a 8k -metadata "description=$(head -c 75000 /dev/zero | tr '\0' x)" \
	-metadata "title=After a long comment" -metadata artist=Opus tags-long.opus
tone -c:a flac -metadata "title=FLAC title" -metadata "artist=FLAC artist" -metadata label=Label \
	-metadata isrc=USRC17607839 tags-flac.flac
tone -c:a pcm_s16le -metadata "title=WAV title" -metadata "artist=WAV artist" tags-info.wav

for f in *.mp3 *.mp2 *.ogg *.opus *.flac *.wav; do
	probe=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")
	rate=$(ffprobe -v error -select_streams a -show_entries stream=sample_rate -of csv=p=0 "$f" | head -1)
	bytes=$(ffmpeg -v error -i "$f" -map 0:a -ac 1 -f s16le - | wc -c)
	echo "$f ffprobe=$probe decoded=$(echo "scale=6; $bytes / 2 / $rate" | bc)"
done

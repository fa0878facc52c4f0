package schedule

import "fmt"

// Frequency is how often a schedule recurs: aircox's bitmask, with the same
// values, so that a station migrating from aircox keeps its data. Weeks are
// counted as the n-th occurrence of the schedule's weekday in the month.
type Frequency int

// The frequencies aircox offers. Other bitmasks are invalid.
const (
	// Ponctual is a one-off: a single diffusion on the schedule's Date
	// (aircox makes none and leaves it to a person).
	Ponctual Frequency = 0b000000
	// First .. Fourth: the n-th weekday of the month.
	First  Frequency = 0b000001
	Second Frequency = 0b000010
	Third  Frequency = 0b000100
	Fourth Frequency = 0b001000
	// Last: the last weekday of the month (a 5th or a 4th).
	Last            Frequency = 0b010000
	FirstAndThird   Frequency = 0b000101
	SecondAndFourth Frequency = 0b001010
	// Every week.
	Every Frequency = 0b011111
	// OneOnTwo: every other week, the parity anchored on the schedule's Date.
	OneOnTwo Frequency = 0b100000
)

var frequencyNames = []struct {
	f    Frequency
	name string
}{
	{Ponctual, "ponctual"},
	{First, "first"},
	{Second, "second"},
	{Third, "third"},
	{Fourth, "fourth"},
	{Last, "last"},
	{FirstAndThird, "first_and_third"},
	{SecondAndFourth, "second_and_fourth"},
	{Every, "every"},
	{OneOnTwo, "one_on_two"},
}

// Frequencies returns every valid frequency in aircox's order.
func Frequencies() []Frequency {
	out := make([]Frequency, len(frequencyNames))
	for i, n := range frequencyNames {
		out[i] = n.f
	}
	return out
}

// ParseFrequency reads aircox's name of a frequency ("every",
// "first_and_third", ...). Names are case-sensitive, as in aircox.
func ParseFrequency(s string) (Frequency, error) {
	for _, n := range frequencyNames {
		if n.name == s {
			return n.f, nil
		}
	}
	return 0, &ParseError{Kind: "frequency", Value: s, Err: errUnknownFrequency}
}

// Valid reports whether f is one of aircox's frequencies.
func (f Frequency) Valid() bool {
	for _, n := range frequencyNames {
		if n.f == f {
			return true
		}
	}
	return false
}

// String returns aircox's name of f, which ParseFrequency reads back.
func (f Frequency) String() string {
	for _, n := range frequencyNames {
		if n.f == f {
			return n.name
		}
	}
	return fmt.Sprintf("Frequency(%#b)", int(f))
}

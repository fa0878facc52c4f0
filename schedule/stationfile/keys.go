package stationfile

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// keyLines maps each key of a TOML document, with its array indexes
// ("programs[1].schedules[0].zone"), to the line that defines it.
//
// BurntSushi/toml keeps one position per key path without indexes, the
// last one parsed, so its own line numbers point at the wrong element of
// an array of tables. Its MetaData.Keys lists every key in document order,
// array table headers included once per element; walking that list
// forward through the text recovers the indexes and the lines.
type keyLines struct {
	lines map[string]int
	// order lists the indexed paths with their unindexed keys, in document
	// order, for reporting unknown fields.
	order []locatedKey
}

type locatedKey struct {
	path string // indexed: programs[1].bogus
	key  string // as toml names it: programs.bogus
	line int
}

func locateKeys(src string, md toml.MetaData) *keyLines {
	kl := &keyLines{lines: map[string]int{}}
	text := strings.Split(src, "\n")
	count := map[string]int{} // array table (unindexed) → elements seen
	cur := 0                  // line index where the search for the next key starts
	for _, k := range md.Keys() {
		dotted := k.String()
		found := -1
		if md.Type(k...) == "ArrayHash" {
			if i := findLine(text, cur, headerRe(k, true)); i >= 0 {
				found = i
				count[dotted]++
				for p := range count {
					if strings.HasPrefix(p, dotted+".") {
						delete(count, p)
					}
				}
			}
		}
		if found < 0 && md.Type(k...) == "Hash" {
			found = findLine(text, cur, headerRe(k, false))
		}
		if found < 0 {
			found = findLine(text, cur, assignRe(k[len(k)-1]))
		}
		var path strings.Builder
		for i := range k {
			if i > 0 {
				path.WriteByte('.')
			}
			path.WriteString(k[i])
			if n := count[toml.Key(k[:i+1]).String()]; n > 0 {
				path.WriteString("[" + strconv.Itoa(n-1) + "]")
			}
		}
		line := 0
		if found >= 0 {
			cur, line = found, found+1
		}
		p := path.String()
		if _, dup := kl.lines[p]; !dup {
			kl.lines[p] = line
		}
		kl.order = append(kl.order, locatedKey{path: p, key: dotted, line: line})
	}
	return kl
}

// line returns the line of field, or of its nearest enclosing key that has
// one (a key inside an inline table reports the line of the table), or 0.
func (kl *keyLines) line(field string) int {
	for field != "" {
		if l, ok := kl.lines[field]; ok && l > 0 {
			return l
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			return 0
		}
		field = field[:i]
	}
	return 0
}

func findLine(text []string, from int, re *regexp.Regexp) int {
	for i := from; i < len(text); i++ {
		if re.MatchString(text[i]) {
			return i
		}
	}
	return -1
}

// headerRe matches the table header [a.b] or, for an array, [[a.b]],
// allowing spaces and quoted keys.
func headerRe(k toml.Key, array bool) *regexp.Regexp {
	parts := make([]string, len(k))
	for i, p := range k {
		parts[i] = keyRe(p)
	}
	open, close := `\[`, `\]`
	if array {
		open, close = `\[\[`, `\]\]`
	}
	return regexp.MustCompile(`^\s*` + open + `\s*` + strings.Join(parts, `\s*\.\s*`) + `\s*` + close)
}

// assignRe matches a line assigning the key name, alone, dotted (x.name =)
// or inside an inline table ({ a = 1, name = 2 }).
func assignRe(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[\s{,.])` + keyRe(name) + `\s*=`)
}

func keyRe(name string) string {
	q := regexp.QuoteMeta(name)
	return `(?:` + q + `|"` + q + `"|'` + q + `')`
}

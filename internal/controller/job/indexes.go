package job

import (
	"slices"
	"strconv"
	"strings"
)

// span is a closed range of completion indexes.
type span struct{ first, last int }

// indexSet is a set of completion indexes as ordered, disjoint,
// non-adjacent spans; it is what status.completedIndexes and
// status.failedIndexes hold, written "1,3-5" as upstream.
type indexSet []span

// parseIndexes reads the "1,3-5" format, ignoring malformed parts and
// indexes at or above completions (a Job scaled down keeps its string).
func parseIndexes(s string, completions int) indexSet {
	var ix []int
	for part := range strings.SplitSeq(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil || first < 0 {
			continue
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(hi); err != nil || last < first {
				continue
			}
		}
		for i := first; i <= last && i < completions; i++ {
			ix = append(ix, i)
		}
	}
	return indexSet(nil).with(ix)
}

// with returns the set plus ix (in any order).
func (s indexSet) with(ix []int) indexSet {
	all := make([]int, 0, s.total()+len(ix))
	for _, sp := range s {
		for i := sp.first; i <= sp.last; i++ {
			all = append(all, i)
		}
	}
	all = append(all, ix...)
	slices.Sort(all)
	all = slices.Compact(all)
	var out indexSet
	for _, i := range all {
		if n := len(out); n > 0 && out[n-1].last+1 == i {
			out[n-1].last = i
			continue
		}
		out = append(out, span{i, i})
	}
	return out
}

func (s indexSet) has(i int) bool {
	for _, sp := range s {
		if i < sp.first {
			return false
		}
		if i <= sp.last {
			return true
		}
	}
	return false
}

func (s indexSet) total() int {
	n := 0
	for _, sp := range s {
		n += sp.last - sp.first + 1
	}
	return n
}

// String writes the set as upstream does: a span of two is "3,4", longer
// spans "3-5".
func (s indexSet) String() string {
	var b strings.Builder
	for _, sp := range s {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(sp.first))
		switch {
		case sp.last == sp.first+1:
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(sp.last))
		case sp.last > sp.first:
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(sp.last))
		}
	}
	return b.String()
}

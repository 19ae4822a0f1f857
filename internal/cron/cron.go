package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed cron schedule.
type Schedule interface {
	// Next returns the first activation strictly after t, in t's location,
	// or the zero time if there is none within five years. A schedule that
	// names its own zone (a legacy TZ= or CRON_TZ= prefix) is evaluated in
	// that zone; otherwise in t's location, so callers honouring a
	// CronJob's timeZone pass t.In(zone).
	Next(t time.Time) time.Time
}

// Parse parses a standard five-field cron expression (minute hour
// day-of-month month day-of-week) with ranges, steps, lists, month and day
// names and "?", or one of the descriptors @yearly, @annually, @monthly,
// @weekly, @daily, @midnight, @hourly and "@every <duration>". A leading
// TZ=<zone> or CRON_TZ=<zone> is accepted, as by upstream's parser; CronJob
// validation rejects it separately. Error texts follow upstream's.
func Parse(spec string) (Schedule, error) {
	if spec == "" {
		return nil, fmt.Errorf("empty spec string")
	}
	loc := (*time.Location)(nil)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		i := strings.Index(spec, " ")
		if i < 0 {
			i = len(spec)
		}
		eq := strings.Index(spec, "=")
		name := spec[eq+1 : i]
		l, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("provided bad location %s: %v", name, err)
		}
		loc = l
		spec = strings.TrimSpace(spec[i:])
	}
	if strings.HasPrefix(spec, "@") {
		return parseDescriptor(spec, loc)
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), fields)
	}
	s := &specSchedule{loc: loc}
	var err error
	if s.minute, err = parseField(fields[0], minutes); err != nil {
		return nil, err
	}
	if s.hour, err = parseField(fields[1], hours); err != nil {
		return nil, err
	}
	if s.dom, err = parseField(fields[2], doms); err != nil {
		return nil, err
	}
	if s.month, err = parseField(fields[3], months); err != nil {
		return nil, err
	}
	if s.dow, err = parseField(fields[4], dows); err != nil {
		return nil, err
	}
	return s, nil
}

// starBit marks a field written as "*" or "?": with both day fields
// restricted a day matches either, otherwise both must match.
const starBit = 1 << 63

type bounds struct {
	min, max uint
	names    map[string]uint
}

var (
	minutes = bounds{0, 59, nil}
	hours   = bounds{0, 23, nil}
	doms    = bounds{1, 31, nil}
	months  = bounds{1, 12, map[string]uint{
		"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
	}}
	dows = bounds{0, 6, map[string]uint{
		"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
	}}
)

func parseDescriptor(spec string, loc *time.Location) (Schedule, error) {
	all := func(b bounds) uint64 { return bitRange(b.min, b.max, 1) | starBit }
	s := &specSchedule{loc: loc, minute: 1 << 0, hour: 1 << 0, dom: all(doms), month: all(months), dow: all(dows)}
	switch spec {
	case "@yearly", "@annually":
		s.dom, s.month = 1<<1, 1<<1
	case "@monthly":
		s.dom = 1 << 1
	case "@weekly":
		s.dow = 1 << 0
	case "@daily", "@midnight":
	case "@hourly":
		s.hour = all(hours)
	default:
		const every = "@every "
		if !strings.HasPrefix(spec, every) {
			return nil, fmt.Errorf("unrecognized descriptor: %s", spec)
		}
		d, err := time.ParseDuration(spec[len(every):])
		if err != nil {
			return nil, fmt.Errorf("failed to parse duration %s: %s", spec, err)
		}
		if d < time.Second {
			d = time.Second
		}
		return everySchedule{d - time.Duration(d.Nanoseconds())%time.Second}, nil
	}
	return s, nil
}

// parseField parses a comma-separated list of ranges into a bit set.
func parseField(field string, b bounds) (uint64, error) {
	var bitsSet uint64
	for _, expr := range strings.Split(field, ",") {
		v, err := parseRange(expr, b)
		if err != nil {
			return 0, err
		}
		bitsSet |= v
	}
	return bitsSet, nil
}

// parseRange parses "*", "?", "N", "N-M", each optionally followed by
// "/step"; "N/step" means N to the maximum.
func parseRange(expr string, b bounds) (uint64, error) {
	var start, end, step uint = 0, 0, 1
	var extra uint64
	rangeAndStep := strings.Split(expr, "/")
	lowAndHigh := strings.Split(rangeAndStep[0], "-")
	single := len(lowAndHigh) == 1

	if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
		start, end, extra = b.min, b.max, starBit
	} else {
		var err error
		if start, err = parseValue(lowAndHigh[0], b); err != nil {
			return 0, err
		}
		switch len(lowAndHigh) {
		case 1:
			end = start
		case 2:
			if end, err = parseValue(lowAndHigh[1], b); err != nil {
				return 0, err
			}
		default:
			return 0, fmt.Errorf("too many hyphens: %s", expr)
		}
	}
	switch len(rangeAndStep) {
	case 1:
	case 2:
		n, err := parseUint(rangeAndStep[1])
		if err != nil {
			return 0, err
		}
		if n <= 0 {
			return 0, fmt.Errorf("step of range should be a positive number: %s", expr)
		}
		step = uint(n)
		if single {
			end = b.max
		}
		if step > 1 {
			extra = 0
		}
	default:
		return 0, fmt.Errorf("too many slashes: %s", expr)
	}
	switch {
	case start < b.min:
		return 0, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, b.min, expr)
	case end > b.max:
		return 0, fmt.Errorf("end of range (%d) above maximum (%d): %s", end, b.max, expr)
	case start > end:
		return 0, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	}
	return bitRange(start, end, step) | extra, nil
}

func parseValue(s string, b bounds) (uint, error) {
	if b.names != nil {
		if v, ok := b.names[strings.ToLower(s)]; ok {
			return v, nil
		}
	}
	n, err := parseUint(s)
	return uint(n), err
}

func parseUint(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %s", s, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", n, s)
	}
	return n, nil
}

func bitRange(min, max, step uint) uint64 {
	var v uint64
	for i := min; i <= max; i += step {
		v |= 1 << i
	}
	return v
}

// specSchedule holds one bit per allowed value of each field.
type specSchedule struct {
	minute, hour, dom, month, dow uint64
	loc                           *time.Location
}

func (s *specSchedule) dayMatches(t time.Time) bool {
	domOK := s.dom&(1<<uint(t.Day())) != 0
	dowOK := s.dow&(1<<uint(t.Weekday())) != 0
	if s.dom&starBit != 0 || s.dow&starBit != 0 {
		return domOK && dowOK
	}
	return domOK || dowOK
}

func (s *specSchedule) Next(t time.Time) time.Time {
	orig := t.Location()
	loc := orig
	if s.loc != nil {
		loc = s.loc
	}
	t = t.In(loc)
	// Activations fall on whole minutes, strictly after t. Zone offsets are
	// whole minutes, so truncating absolute time is safe.
	t = t.Truncate(time.Minute).Add(time.Minute)
	limit := t.Year() + 5
	for t.Year() <= limit {
		switch {
		case s.month&(1<<uint(t.Month())) == 0:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		case s.hour&(1<<uint(t.Hour())) == 0:
			// Step in absolute hours so that a repeated wall-clock hour
			// (autumn DST) is visited twice and a skipped one never.
			t = t.Add(time.Hour - time.Duration(t.Minute())*time.Minute)
		case s.minute&(1<<uint(t.Minute())) == 0:
			t = t.Add(time.Minute)
		default:
			return t.In(orig)
		}
	}
	return time.Time{}
}

// everySchedule fires at a fixed interval of whole seconds.
type everySchedule struct{ every time.Duration }

func (e everySchedule) Next(t time.Time) time.Time {
	return t.Add(e.every - time.Duration(t.Nanosecond()))
}

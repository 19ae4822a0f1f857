package cron

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s unavailable: %v", name, err)
	}
	return loc
}

func TestParseScheduleNext(t *testing.T) {
	utc := time.UTC
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, utc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		spec, from, want string
	}{
		{"* * * * *", "2024-01-01 10:00:00", "2024-01-01 10:01:00"},
		{"* * * * *", "2024-01-01 10:00:30", "2024-01-01 10:01:00"},
		{"*/15 * * * *", "2024-01-01 10:16:00", "2024-01-01 10:30:00"},
		{"5/20 * * * *", "2024-01-01 10:26:00", "2024-01-01 10:45:00"},
		{"0 9-17/4 * * *", "2024-01-01 10:00:00", "2024-01-01 13:00:00"},
		{"0,30 1 * * *", "2024-01-01 01:00:00", "2024-01-01 01:30:00"},
		{"0 0 1 * *", "2024-01-31 12:00:00", "2024-02-01 00:00:00"},
		{"0 0 31 * *", "2024-04-01 00:00:00", "2024-05-31 00:00:00"},
		{"0 0 29 feb *", "2024-03-01 00:00:00", "2028-02-29 00:00:00"},
		{"0 12 * JAN-mar mon", "2024-03-30 00:00:00", "2025-01-06 12:00:00"},
		{"0 0 * * sun", "2024-01-01 00:00:00", "2024-01-07 00:00:00"},
		{"0 0 ? * 5", "2024-01-01 00:00:00", "2024-01-05 00:00:00"},
		// Both day fields restricted: either matches.
		{"0 0 15 * 1", "2024-01-02 00:00:00", "2024-01-08 00:00:00"},
		{"0 0 15 * 1", "2024-01-09 00:00:00", "2024-01-15 00:00:00"},
		{"@yearly", "2024-06-01 00:00:00", "2025-01-01 00:00:00"},
		{"@annually", "2024-06-01 00:00:00", "2025-01-01 00:00:00"},
		{"@monthly", "2024-06-01 00:00:00", "2024-07-01 00:00:00"},
		{"@weekly", "2024-01-01 00:00:00", "2024-01-07 00:00:00"},
		{"@daily", "2024-01-01 00:00:00", "2024-01-02 00:00:00"},
		{"@midnight", "2024-01-01 23:59:00", "2024-01-02 00:00:00"},
		{"@hourly", "2024-01-01 23:59:00", "2024-01-02 00:00:00"},
		{"@every 90s", "2024-01-01 00:00:00", "2024-01-01 00:01:30"},
	}
	for _, tc := range tests {
		t.Run(tc.spec+"@"+tc.from, func(t *testing.T) {
			s, err := Parse(tc.spec)
			if err != nil {
				t.Fatalf("ParseSchedule: %v", err)
			}
			if got, want := s.Next(at(tc.from)), at(tc.want); !got.Equal(want) {
				t.Errorf("Next = %v, want %v", got, want)
			}
		})
	}
}

func TestNextImpossible(t *testing.T) {
	s, err := Parse("0 0 30 2 *")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Next(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); !got.IsZero() {
		t.Errorf("Next = %v, want zero", got)
	}
}

func TestNextDST(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	tests := []struct {
		name string
		spec string
		from time.Time
		want []time.Time
	}{
		{
			// 2024-03-10 02:30 does not exist in New York: that day is skipped.
			name: "spring forward skips missing hour",
			spec: "30 2 * * *",
			from: time.Date(2024, 3, 9, 12, 0, 0, 0, ny),
			want: []time.Time{
				time.Date(2024, 3, 11, 2, 30, 0, 0, ny),
			},
		},
		{
			name: "spring forward hourly",
			spec: "0 * * * *",
			from: time.Date(2024, 3, 10, 0, 30, 0, 0, ny),
			want: []time.Time{
				time.Date(2024, 3, 10, 1, 0, 0, 0, ny),
				time.Date(2024, 3, 10, 3, 0, 0, 0, ny),
			},
		},
		{
			// 01:30 happens twice on 2024-11-03; both are activations.
			name: "fall back repeats hour",
			spec: "30 1 * * *",
			from: time.Date(2024, 11, 3, 0, 0, 0, 0, ny),
			want: []time.Time{
				time.Date(2024, 11, 3, 5, 30, 0, 0, time.UTC),
				time.Date(2024, 11, 3, 6, 30, 0, 0, time.UTC),
				time.Date(2024, 11, 4, 6, 30, 0, 0, time.UTC),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			cur := tc.from
			for i, want := range tc.want {
				cur = s.Next(cur)
				if !cur.Equal(want) {
					t.Fatalf("activation %d = %v, want %v", i, cur, want)
				}
				if cur.Location() != tc.from.Location() {
					t.Errorf("activation %d in %v, want %v", i, cur.Location(), tc.from.Location())
				}
			}
		})
	}
}

func TestNextTimeZones(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	kolkata := mustLoad(t, "Asia/Kolkata")
	s, err := Parse("0 9 1 * *")
	if err != nil {
		t.Fatal(err)
	}
	// Month boundary evaluated in Tokyo: 2024-01-31 20:00 UTC is already
	// February 1st there, 05:00.
	from := time.Date(2024, 1, 31, 20, 0, 0, 0, time.UTC)
	if got, want := s.Next(from.In(tokyo)), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Tokyo Next = %v, want %v", got, want)
	}
	// Half-hour offset zone.
	h, _ := Parse("0 * * * *")
	if got, want := h.Next(time.Date(2024, 1, 1, 10, 10, 0, 0, kolkata)), time.Date(2024, 1, 1, 11, 0, 0, 0, kolkata); !got.Equal(want) {
		t.Errorf("Kolkata Next = %v, want %v", got, want)
	}
	// A legacy TZ prefix pins the zone regardless of the argument's.
	tz, err := Parse("CRON_TZ=Asia/Tokyo 0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tz.Next(time.Date(2023, 12, 31, 23, 0, 0, 0, time.UTC)), time.Date(2024, 1, 1, 9, 0, 0, 0, tokyo); !got.Equal(want) {
		t.Errorf("CRON_TZ Next = %v, want %v", got, want)
	}
}

func TestParseScheduleInvalid(t *testing.T) {
	tests := []struct{ spec, wantErr string }{
		{"", "empty spec string"},
		{"* * * *", "expected exactly 5 fields, found 4: [* * * *]"},
		{"* * * * * *", "expected exactly 5 fields, found 6"},
		{"60 * * * *", "end of range (60) above maximum (59): 60"},
		{"* 24 * * *", "end of range (24) above maximum (23): 24"},
		{"* * 0 * *", "beginning of range (0) below minimum (1): 0"},
		{"* * * 13 *", "end of range (13) above maximum (12): 13"},
		{"* * * * 7", "end of range (7) above maximum (6): 7"},
		{"5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"},
		{"*/0 * * * *", "step of range should be a positive number: */0"},
		{"1-2-3 * * * *", "too many hyphens: 1-2-3"},
		{"*/2/3 * * * *", "too many slashes: */2/3"},
		{"x * * * *", "failed to parse int from x"},
		{"* * * foo *", "failed to parse int from foo"},
		{"@fortnightly", "unrecognized descriptor: @fortnightly"},
		{"@every nope", "failed to parse duration @every nope"},
		{"TZ=Nowhere/Land * * * * *", "provided bad location Nowhere/Land"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := Parse(tc.spec)
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want prefix %q", err, tc.wantErr)
			}
		})
	}
}

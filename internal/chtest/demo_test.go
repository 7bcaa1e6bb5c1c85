package chtest

import (
	"testing"
)

func TestDemoSQL(t *testing.T) {
	// Twice: loading must be repeatable (chlocal serve --demo on a kept --dir).
	for range 2 {
		for _, q := range DemoSQL() {
			if _, err := srv(t).Exec(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := mustExec(t, `SELECT arrayStringConcat(groupArray(name || '=' || toString(total_rows)), ',')
		FROM (SELECT name, total_rows FROM system.tables WHERE database = 'demo' ORDER BY name)`)
	if want := "events=5000,stations=24,trips=10000"; got != want {
		t.Errorf("demo tables = %q, want %q", got, want)
	}
	if n := mustExec(t, "SELECT countIf(comment = '') FROM system.tables WHERE database = 'demo'"); n != "0" {
		t.Errorf("%s demo tables lack a comment", n)
	}
	if n := mustExec(t, "SELECT countIf(comment = '') FROM system.columns WHERE database = 'demo'"); n != "0" {
		t.Errorf("%s demo columns lack a comment", n)
	}
	// Every trip must point at an existing station.
	if n := mustExec(t, `SELECT count() FROM demo.trips
		WHERE start_station_id NOT IN (SELECT station_id FROM demo.stations)
		   OR end_station_id NOT IN (SELECT station_id FROM demo.stations)`); n != "0" {
		t.Errorf("%s trips reference unknown stations", n)
	}
}

//go:build !race

package chtest

const raceEnabled = false

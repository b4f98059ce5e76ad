package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpu is a snapshot of CPU time spent so far (Linux /proc): by this process
// (load generator and service), by Postgres (every postgres process, with
// the children its postmaster has reaped, so backends that closed count), and
// by the whole machine. Differences between two snapshots tell how a
// workload's CPU was shared, which on a 2-core machine is what limits it.
type cpu struct {
	self, pg, machine time.Duration
	pgbench           time.Duration // pgbench children, added by pgbenchRun
}

const tick = 10 * time.Millisecond // USER_HZ = 100 on Linux

func sampleCPU() cpu {
	var c cpu
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || close < open || string(b[open+1:close]) != "postgres" {
			continue
		}
		fields := strings.Fields(string(b[close+2:]))
		// fields[0] is field 3 (state); utime, stime, cutime, cstime are 14–17.
		for _, i := range []int{11, 12, 13, 14} {
			if i < len(fields) {
				n, _ := strconv.ParseInt(fields[i], 10, 64)
				c.pg += time.Duration(n) * tick
			}
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := bytes.Cut(b, []byte("\n"))
		f := strings.Fields(string(line)) // cpu user nice system idle iowait irq softirq steal
		for i, v := range f[1:] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			if i > 7 {
				break
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			c.machine += time.Duration(n) * tick
		}
	}
	return c
}

func (c cpu) sub(o cpu) cpu {
	return cpu{self: c.self - o.self, pg: c.pg - o.pg, machine: c.machine - o.machine, pgbench: c.pgbench - o.pgbench}
}

func (c cpu) add(o cpu) cpu {
	return cpu{self: c.self + o.self, pg: c.pg + o.pg, machine: c.machine + o.machine, pgbench: c.pgbench + o.pgbench}
}

// perRequest is CPU µs per request for n requests.
func perRequest(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(n)
}

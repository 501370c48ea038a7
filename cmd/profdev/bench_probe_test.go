package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The list's latency during the load is measured by a client in a process of its own, as
// every real client is: a client inside the loaded process waits for the same two cores as
// the workflows it measures, and its own scheduling ends up in the figure. The probe is this
// test binary again, started with probeURLEnv set (TestMain runs runProbe instead of the tests).
const (
	probeURLEnv      = "PROFDEV_BENCH_PROBE_URL"
	probeTokenEnv    = "PROFDEV_BENCH_PROBE_TOKEN"
	probeIntervalEnv = "PROFDEV_BENCH_PROBE_INTERVAL"
	probeInterval    = 20 * time.Millisecond
)

// runProbe GETs the URL every interval with the bearer token until its stdin closes,
// and writes each answer's latency in microseconds to stdout, one a line. A request that
// fails or answers other than 200 is written as -1.
func runProbe() int {
	url, token := os.Getenv(probeURLEnv), os.Getenv(probeTokenEnv)
	interval, err := time.ParseDuration(os.Getenv(probeIntervalEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 2
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	client := &http.Client{Timeout: 30 * time.Second}
	for {
		select {
		case <-done:
			return 0
		default:
		}
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			return 2
		}
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		resp, err := client.Do(req)
		us := int64(-1)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				us = time.Since(t0).Microseconds()
			}
		}
		fmt.Fprintln(out, us)
		time.Sleep(interval)
	}
}

// probe is a running probe process.
type probe struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	wg    sync.WaitGroup
	lat   []time.Duration
	fails int
}

// startProbe starts a probe process that GETs url every interval.
func startProbe(b *testing.B, url, token string, interval time.Duration) *probe {
	p := &probe{cmd: exec.Command(os.Args[0], "-test.run=^$")}
	p.cmd.Env = append(os.Environ(), probeURLEnv+"="+url, probeTokenEnv+"="+token, probeIntervalEnv+"="+interval.String())
	p.cmd.Stderr = os.Stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		b.Fatalf("probe process: %v", err)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			us, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil || us < 0 {
				p.fails++
				continue
			}
			p.lat = append(p.lat, time.Duration(us)*time.Microsecond)
		}
	}()
	return p
}

// stop ends the probe and returns its latencies, sorted; a failed request fails the bench.
func (p *probe) stop(b *testing.B) []time.Duration {
	_ = p.stdin.Close()
	p.wg.Wait()
	if err := p.cmd.Wait(); err != nil {
		b.Fatalf("probe process: %v", err)
	}
	if p.fails > 0 {
		b.Fatalf("probe: %d of %d requests failed", p.fails, p.fails+len(p.lat))
	}
	slices.Sort(p.lat)
	return p.lat
}

// quantile is the q-quantile of sorted latencies, in milliseconds.
func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[int(q*float64(len(sorted)-1))].Microseconds()) / 1000
}

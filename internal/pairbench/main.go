// Command pairbench times two builds of one CLI side by side: it runs them
// in interleaved pairs (A then B, B then A, alternately), so that whatever
// else the machine does hits both alike, and reports the median of the
// per-pair ratios B/A with the medians of each. It is what `make bench`
// uses for the start-up figures; hyperfine cannot interleave.
//
//	pairbench -n 200 -a bin/clusterctl-plain -b bin/clusterctl -env DO_NOT_TRACK=1 -- cluster list
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

type envFlag []string

func (e *envFlag) String() string     { return strings.Join(*e, ",") }
func (e *envFlag) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	a := flag.String("a", "", "baseline binary (the uninstrumented build)")
	b := flag.String("b", "", "binary compared with it (the instrumented build)")
	n := flag.Int("n", 100, "pairs")
	warmup := flag.Int("warmup", 10, "pairs run first and not counted")
	label := flag.String("label", "", "name of the case, printed first")
	var env envFlag
	flag.Var(&env, "env", "extra KEY=VALUE for both (repeatable)")
	flag.Parse()
	if *a == "" || *b == "" {
		flag.Usage()
		os.Exit(2)
	}
	args := flag.Args()
	environ := append(os.Environ(), env...)
	run := func(bin string) time.Duration {
		cmd := exec.Command(bin, args...)
		cmd.Env = environ
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "pairbench: %s: %v\n", bin, err)
			os.Exit(1)
		}
		return time.Since(start)
	}
	for i := range *warmup {
		pair(i, run, *a, *b)
	}
	var ta, tb, ratios []float64
	for i := range *n {
		da, db := pair(i, run, *a, *b)
		ta = append(ta, ms(da))
		tb = append(tb, ms(db))
		ratios = append(ratios, float64(db)/float64(da))
	}
	if *label != "" {
		fmt.Printf("%s: ", *label)
	}
	fmt.Printf("%d pairs, median %s %.2f ms, %s %.2f ms, median of pair ratios %.3f (p25 %.3f, p75 %.3f)\n",
		*n, *a, median(ta), *b, median(tb), median(ratios), quantile(ratios, 0.25), quantile(ratios, 0.75))
}

// pair runs both, alternating which goes first.
func pair(i int, run func(string) time.Duration, a, b string) (time.Duration, time.Duration) {
	if i%2 == 0 {
		da := run(a)
		return da, run(b)
	}
	db := run(b)
	return run(a), db
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 { return quantile(v, 0.5) }

func quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[int(q*float64(len(s)-1)+0.5)]
}

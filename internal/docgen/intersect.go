package main

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// mayContain reports whether some string that whole matches (RE2 syntax)
// can contain a match of part. It answers false only when it has proved
// that none can: the collector then need not look for part in values
// already checked against whole, which saves most of its regular
// expression work (a version string cannot hold an e-mail address).
//
// It explores the product of the two programs' automata. Assertions
// (^, $, \b) are taken as always satisfied, which only adds strings to
// part's language, so a "false" stays a proof.
func mayContain(whole, part string) bool {
	w, err1 := compileProg(whole)
	p, err2 := compileProg(part)
	if err1 != nil || err2 != nil {
		return true
	}
	return intersects(w, p)
}

func compileProg(expr string) (*syntax.Prog, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return syntax.Compile(re.Simplify())
}

// closure returns the instructions reachable from pc without consuming a
// rune that consume one or match.
func closure(prog *syntax.Prog, pc uint32) []uint32 {
	var out []uint32
	seen := map[uint32]bool{}
	var walk func(uint32)
	walk = func(pc uint32) {
		if seen[pc] {
			return
		}
		seen[pc] = true
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			walk(in.Out)
			walk(in.Arg)
		case syntax.InstCapture, syntax.InstNop, syntax.InstEmptyWidth:
			walk(in.Out)
		case syntax.InstFail:
		default:
			out = append(out, pc)
		}
	}
	walk(pc)
	return out
}

// ranges returns the runes instruction in consumes, as sorted pairs.
func ranges(in *syntax.Inst) []rune {
	var rs []rune
	switch in.Op {
	case syntax.InstRuneAny:
		return []rune{0, unicode.MaxRune}
	case syntax.InstRuneAnyNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}
	case syntax.InstRune1:
		rs = []rune{in.Rune[0], in.Rune[0]}
	case syntax.InstRune:
		if len(in.Rune) == 1 {
			rs = []rune{in.Rune[0], in.Rune[0]}
		} else {
			rs = append(rs, in.Rune...)
		}
	default:
		return nil
	}
	if syntax.Flags(in.Arg)&syntax.FoldCase != 0 {
		// Add every case variant; beyond ASCII, any rune (a larger
		// language keeps a "false" a proof).
		var more []rune
		for i := 0; i < len(rs); i += 2 {
			lo, hi := rs[i], rs[i+1]
			if hi >= utf8.RuneSelf {
				return []rune{0, unicode.MaxRune}
			}
			for r := lo; r <= hi; r++ {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					more = append(more, f, f)
				}
			}
		}
		rs = append(rs, more...)
	}
	return rs
}

func overlap(a, b []rune) bool {
	for i := 0; i < len(a); i += 2 {
		for j := 0; j < len(b); j += 2 {
			if a[i] <= b[j+1] && b[j] <= a[i+1] {
				return true
			}
		}
	}
	return false
}

// intersects searches for a string w accepts whole that holds a match of
// p somewhere: pairs of (w instruction, p progress), where p progress is
// "not started", an instruction, or "matched".
func intersects(w, p *syntax.Prog) bool {
	const idle, done = -1, -2
	type state struct {
		w uint32
		p int64
	}
	pStart := closure(p, uint32(p.Start))
	isMatch := func(prog *syntax.Prog, pc uint32) bool { return prog.Inst[pc].Op == syntax.InstMatch }
	for _, pc := range pStart {
		if isMatch(p, pc) {
			return true // p matches the empty string
		}
	}
	seen := map[state]bool{}
	var queue []state
	push := func(wpc uint32, pp int64) {
		if pp >= 0 && isMatch(p, uint32(pp)) {
			pp = done
		}
		s := state{wpc, pp}
		if !seen[s] {
			seen[s] = true
			queue = append(queue, s)
		}
	}
	for _, wpc := range closure(w, uint32(w.Start)) {
		push(wpc, idle)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		win := &w.Inst[s.w]
		if win.Op == syntax.InstMatch {
			if s.p == done {
				return true
			}
			continue
		}
		wr := ranges(win)
		next := closure(w, win.Out)
		step := func(pp int64) {
			for _, n := range next {
				push(n, pp)
			}
		}
		switch s.p {
		case done:
			step(done)
		case idle:
			step(idle) // p has not started: the rune is before its match
			for _, ppc := range pStart {
				if overlap(wr, ranges(&p.Inst[ppc])) {
					for _, pn := range closure(p, p.Inst[ppc].Out) {
						step(int64(pn))
					}
				}
			}
		default:
			if overlap(wr, ranges(&p.Inst[s.p])) {
				for _, pn := range closure(p, p.Inst[s.p].Out) {
					step(int64(pn))
				}
			}
		}
	}
	return false
}

;; The scan kernel: the two byte searches of the XML hot path, in WebAssembly SIMD (16 bytes per compare).
;; Compiled by scripts/build-kernel.mjs into scan-kernel-wasm.ts; scan-kernel.ts is its typed front and holds the reference
;; semantics the tests compare against. The caller owns the memory layout and guarantees, after every input range it scans,
;; at least PAD (32) zero bytes: the vector loads run up to 18 bytes past a range's end, and a zero byte matches nothing.

(module
  (memory (export "memory") 1)
  ;; Marks written by the last xmlMarks call, matches by the last findAll call.
  (global $count (export "count") (mut i32) (i32.const 0))

  ;; Whether b may end a tag name: space, tab, CR, LF, '>' or '/' (xml-framing.ts isStartBoundary).
  (func $boundary (param $b i32) (result i32)
    (i32.or
      (i32.or (i32.eq (local.get $b) (i32.const 0x20)) (i32.eq (local.get $b) (i32.const 0x3e)))
      (i32.or
        (i32.or (i32.eq (local.get $b) (i32.const 0x2f)) (i32.eq (local.get $b) (i32.const 0x0a)))
        (i32.or (i32.eq (local.get $b) (i32.const 0x0d)) (i32.eq (local.get $b) (i32.const 0x09))))))

  ;; The tag that starts with the '<' at $q (bytes $q..$q+8 readable): 0 `<Event` + boundary, 1 `</Event>`,
  ;; 2 `<EventID` + boundary, -1 anything else.
  (func $kind (param $q i32) (result i32)
    (local $b i32)
    (if (i32.eq (i32.load8_u offset=1 (local.get $q)) (i32.const 0x45))
      (then
        ;; "vent" little-endian
        (if (i32.ne (i32.load offset=2 align=1 (local.get $q)) (i32.const 0x746e6576)) (then (return (i32.const -1))))
        (local.set $b (i32.load8_u offset=6 (local.get $q)))
        (if (call $boundary (local.get $b)) (then (return (i32.const 0))))
        (if (i32.and
              (i32.and (i32.eq (local.get $b) (i32.const 0x49)) (i32.eq (i32.load8_u offset=7 (local.get $q)) (i32.const 0x44)))
              (call $boundary (i32.load8_u offset=8 (local.get $q))))
          (then (return (i32.const 2))))
        (return (i32.const -1))))
    (if (i32.and
          (i32.and
            (i32.eq (i32.load8_u offset=1 (local.get $q)) (i32.const 0x2f))
            (i32.eq (i32.load8_u offset=2 (local.get $q)) (i32.const 0x45)))
          (i32.and
            (i32.eq (i32.load offset=3 align=1 (local.get $q)) (i32.const 0x746e6576))
            (i32.eq (i32.load8_u offset=7 (local.get $q)) (i32.const 0x3e))))
      (then (return (i32.const 1))))
    (i32.const -1))

  ;; xmlMarks(from, end, final, out, cap) → where to resume.
  ;; Writes to `out` (i32 each, ascending) `position << 2 | kind` for every tag start in [from, end) that $kind recognises,
  ;; and sets `count`. Stops early, returning the position to resume from, at the first '<' it cannot decide yet (unless
  ;; `final`: in the last 8 bytes of the range, where the bytes that decide have not arrived) or when `cap` marks are written;
  ;; otherwise returns `end`. A tag is found from its 'v' (rare in event XML; a '<' needle would stop at every tag): the
  ;; '<' is two bytes before it (`<Ev`) or three (`</Ev`).
  (func (export "xmlMarks") (param $p i32) (param $end i32) (param $final i32) (param $out i32) (param $cap i32) (result i32)
    (local $from i32) (local $n i32) (local $m i32) (local $q i32) (local $k i32) (local $stop i32) (local $v v128)
    (local.set $from (local.get $p))
    (local.set $v (i8x16.splat (i32.const 0x76)))
    (local.set $stop (local.get $end))
    (if (i32.eqz (local.get $final))
      (then
        (local.set $q (select (i32.sub (local.get $end) (i32.const 8)) (local.get $p)
                              (i32.gt_s (i32.sub (local.get $end) (i32.const 8)) (local.get $p))))
        (block $found
          (loop $tail
            (br_if $found (i32.ge_u (local.get $q) (local.get $end)))
            (if (i32.eq (i32.load8_u (local.get $q)) (i32.const 0x3c))
              (then (local.set $stop (local.get $q)) (br $found)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $tail)))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $m (i32.or
          (i8x16.bitmask (i8x16.eq (v128.load align=1 (local.get $p)) (local.get $v)))
          (i32.shl (i8x16.bitmask (i8x16.eq (v128.load offset=16 align=1 (local.get $p)) (local.get $v))) (i32.const 16))))
        (block $bitsDone
          (loop $bits
            (br_if $bitsDone (i32.eqz (local.get $m)))
            (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            ;; A 'v' in the range's first three bytes may belong to a tag that starts before it: not this range's.
            (br_if $bits (i32.lt_u (local.get $q) (i32.add (local.get $from) (i32.const 2))))
            (local.set $q (i32.sub (local.get $q)
              (select (i32.const 3) (i32.const 2) (i32.eq (i32.load8_u (i32.sub (local.get $q) (i32.const 2))) (i32.const 0x2f)))))
            (br_if $bits (i32.lt_u (local.get $q) (local.get $from)))
            (br_if $bits (i32.ne (i32.load8_u (local.get $q)) (i32.const 0x3c)))
            (if (i32.ge_u (local.get $q) (local.get $stop))
              (then (global.set $count (local.get $n)) (return (local.get $stop))))
            (local.set $k (call $kind (local.get $q)))
            (if (i32.ge_s (local.get $k) (i32.const 0))
              (then
                (if (i32.eq (local.get $n) (local.get $cap))
                  (then (global.set $count (local.get $n)) (return (local.get $q))))
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
                           (i32.or (i32.shl (local.get $q) (i32.const 2)) (local.get $k)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $blocks)))
    (global.set $count (local.get $n))
    (local.get $stop))

  ;; find(from, to, pattern, length) → the first position q in [from, to - length] where the pattern occurs, or -1.
  ;; The pattern is `length` bytes at `pattern` followed by `length` mask bytes: byte b matches pattern byte c under mask k when
  ;; (b | k) == c, so a lower-case ASCII letter with mask 0x20 matches either case and mask 0 matches exactly. length ≥ 1.
  ;; The first two pattern bytes are compared 16 positions at a time; a one-byte pattern pairs with an always-true second.
  (func (export "find") (param $p i32) (param $to i32) (param $pat i32) (param $len i32) (result i32)
    (local $last i32) (local $m i32) (local $q i32) (local $i i32)
    (local $c0 v128) (local $k0 v128) (local $c1 v128) (local $k1 v128)
    (if (i32.lt_s (local.get $len) (i32.const 1)) (then (return (i32.const -1))))
    ;; The last position a match may start at.
    (local.set $last (i32.sub (local.get $to) (local.get $len)))
    (if (i32.lt_s (local.get $last) (local.get $p)) (then (return (i32.const -1))))
    (local.set $c0 (i8x16.splat (i32.load8_u (local.get $pat))))
    (local.set $k0 (i8x16.splat (i32.load8_u (i32.add (local.get $pat) (local.get $len)))))
    (if (i32.ge_u (local.get $len) (i32.const 2))
      (then
        (local.set $c1 (i8x16.splat (i32.load8_u offset=1 (local.get $pat))))
        (local.set $k1 (i8x16.splat (i32.load8_u offset=1 (i32.add (local.get $pat) (local.get $len))))))
      (else
        (local.set $c1 (i8x16.splat (i32.const 0xff)))
        (local.set $k1 (i8x16.splat (i32.const 0xff)))))
    (block $done
      (loop $blocks
        (br_if $done (i32.gt_s (local.get $p) (local.get $last)))
        (local.set $m (i8x16.bitmask
          (v128.and
            (i8x16.eq (v128.or (v128.load align=1 (local.get $p)) (local.get $k0)) (local.get $c0))
            (i8x16.eq (v128.or (v128.load offset=1 align=1 (local.get $p)) (local.get $k1)) (local.get $c1)))))
        (block $bitsDone
          (loop $bits
            (br_if $bitsDone (i32.eqz (local.get $m)))
            (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (if (i32.gt_s (local.get $q) (local.get $last)) (then (return (i32.const -1))))
            (local.set $i (i32.const 2))
            (block $mismatch
              (loop $verify
                (if (i32.ge_s (local.get $i) (local.get $len)) (then (return (local.get $q))))
                (br_if $mismatch
                  (i32.ne
                    (i32.or (i32.load8_u (i32.add (local.get $q) (local.get $i)))
                            (i32.load8_u (i32.add (i32.add (local.get $pat) (local.get $len)) (local.get $i))))
                    (i32.load8_u (i32.add (local.get $pat) (local.get $i)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $verify)))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    (i32.const -1))
  ;; Whether the pattern at $pat (length $len, masks after it) occurs whole at $q.
  (func $matches (param $q i32) (param $pat i32) (param $len i32) (result i32)
    (local $i i32)
    (block $mismatch
      (loop $verify
        (if (i32.ge_s (local.get $i) (local.get $len)) (then (return (i32.const 1))))
        (br_if $mismatch
          (i32.ne
            (i32.or (i32.load8_u (i32.add (local.get $q) (local.get $i)))
                    (i32.load8_u (i32.add (i32.add (local.get $pat) (local.get $len)) (local.get $i))))
            (i32.load8_u (i32.add (local.get $pat) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $verify)))
    (i32.const 0))

  ;; findAll(start, low, to, table, n, out, cap) → where to resume.
  ;; Writes to `out` (i32 each) `q << 2 | i` for every start q ≥ low of pattern i (of n ≤ 4) that occurs whole before `to`,
  ;; ordered by the position of the pattern's anchor (see below), and sets `count`. The table holds n entries of (pattern,
  ;; length, anchor), i32 each, patterns laid out as for find, each at least two bytes long. A pattern is looked for by its two
  ;; bytes at `anchor` (the caller picks a rare pair: `cm` of `appcmd.exe` stops far less often than `ap`), compared for
  ;; every pattern in one pass, 16 positions at a time, on the bytes OR 0x20 (a letter's case folded; a few other bytes
  ;; collide, e.g. '|' with '\', and are refused by the exact check that follows), as V8's vector code costs about a cycle
  ;; per op. Anchor positions from `start` on are scanned; returns `to` when done, or the anchor position whose matches did
  ;; not all fit in `cap` (ask again from there, with the same `low`).
  (func (export "findAll") (param $p i32) (param $low i32) (param $to i32) (param $table i32) (param $n i32) (param $out i32) (param $cap i32) (result i32)
    (local $m i32) (local $k i32) (local $q i32) (local $i i32) (local $e i32) (local $pat i32) (local $len i32) (local $count i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $c0 v128) (local $c1 v128) (local $d0 v128) (local $d1 v128)
    (local $v0 v128) (local $v1 v128) (local $low32 v128)
    (global.set $count (i32.const 0))
    (if (i32.or (i32.lt_s (local.get $n) (i32.const 1)) (i32.gt_s (local.get $n) (i32.const 4))) (then (return (local.get $to))))
    (local.set $low32 (i8x16.splat (i32.const 0x20)))
    ;; Slots past n repeat slot 0.
    (loop $slots
      (local.set $e (i32.add (local.get $table) (i32.mul (select (local.get $i) (i32.const 0) (i32.lt_s (local.get $i) (local.get $n))) (i32.const 12))))
      (local.set $q (i32.add (i32.load (local.get $e)) (i32.load offset=8 (local.get $e))))
      (local.set $v0 (i8x16.splat (i32.or (i32.load8_u (local.get $q)) (i32.const 0x20))))
      (local.set $v1 (i8x16.splat (i32.or (i32.load8_u offset=1 (local.get $q)) (i32.const 0x20))))
      (if (i32.eq (local.get $i) (i32.const 0)) (then (local.set $a0 (local.get $v0)) (local.set $a1 (local.get $v1))))
      (if (i32.eq (local.get $i) (i32.const 1)) (then (local.set $b0 (local.get $v0)) (local.set $b1 (local.get $v1))))
      (if (i32.eq (local.get $i) (i32.const 2)) (then (local.set $c0 (local.get $v0)) (local.set $c1 (local.get $v1))))
      (if (i32.eq (local.get $i) (i32.const 3)) (then (local.set $d0 (local.get $v0)) (local.set $d1 (local.get $v1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $slots (i32.lt_s (local.get $i) (i32.const 4))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_s (local.get $p) (local.get $to)))
        (local.set $v0 (v128.or (v128.load align=1 (local.get $p)) (local.get $low32)))
        (local.set $v1 (v128.or (v128.load offset=1 align=1 (local.get $p)) (local.get $low32)))
        (local.set $m (i8x16.bitmask
          (v128.or
            (v128.or
              (v128.and (i8x16.eq (local.get $v0) (local.get $a0)) (i8x16.eq (local.get $v1) (local.get $a1)))
              (v128.and (i8x16.eq (local.get $v0) (local.get $b0)) (i8x16.eq (local.get $v1) (local.get $b1))))
            (v128.or
              (v128.and (i8x16.eq (local.get $v0) (local.get $c0)) (i8x16.eq (local.get $v1) (local.get $c1)))
              (v128.and (i8x16.eq (local.get $v0) (local.get $d0)) (i8x16.eq (local.get $v1) (local.get $d1)))))))
        (block $bitsDone
          (loop $bits
            (br_if $bitsDone (i32.eqz (local.get $m)))
            (local.set $k (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (if (i32.ge_s (local.get $k) (local.get $to)) (then (br $done)))
            (if (i32.gt_s (i32.add (local.get $count) (local.get $n)) (local.get $cap))
              (then (global.set $count (local.get $count)) (return (local.get $k))))
            (local.set $i (i32.const 0))
            (block $each_done
              (loop $each
                (br_if $each_done (i32.ge_s (local.get $i) (local.get $n)))
                (local.set $e (i32.add (local.get $table) (i32.mul (local.get $i) (i32.const 12))))
                (local.set $pat (i32.load (local.get $e)))
                (local.set $len (i32.load offset=4 (local.get $e)))
                (local.set $q (i32.sub (local.get $k) (i32.load offset=8 (local.get $e))))
                (if (i32.and
                      (i32.and (i32.ge_s (local.get $q) (local.get $low))
                               (i32.le_s (i32.add (local.get $q) (local.get $len)) (local.get $to)))
                      (call $matches (local.get $q) (local.get $pat) (local.get $len)))
                  (then
                    (i32.store (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2)))
                               (i32.or (i32.shl (local.get $q) (i32.const 2)) (local.get $i)))
                    (local.set $count (i32.add (local.get $count) (i32.const 1)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $each)))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    (global.set $count (local.get $count))
    (local.get $to))
)

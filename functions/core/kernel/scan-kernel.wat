;; The scan kernel: the byte searches of the XML hot path, in WebAssembly SIMD (16 bytes per compare), and the framer's run of
;; events. Compiled by scripts/build-kernel.mjs into scan-kernel-wasm.ts; scan-kernel.ts is its typed front, and the tests
;; compare each function with a reference written from its contract. The caller owns the memory layout and guarantees, after
;; every input range it scans, at least PAD (64) zero bytes: the vector loads run up to 64 bytes past a range's end, and a
;; zero byte matches nothing.

(module
  (memory (export "memory") 1)
  ;; Marks written by the last xmlMarks call, matches by the last findAll call.
  (global $count (export "count") (mut i32) (i32.const 0))

  ;; Whether byte b ends a tag name: one of BOUNDARIES = 1 << '\t' | 1 << '\n' | 1 << '\r' | 1 << ' ' | 1 << '/' | 1 << '>'.
  (func $isBoundary (param $b i32) (result i32)
    (i32.and
      (i32.lt_u (local.get $b) (i32.const 64))
      (i32.wrap_i64 (i64.and (i64.shr_u (i64.const 0x4000800100002600) (i64.extend_i32_u (i32.and (local.get $b) (i32.const 63))))
                             (i64.const 1)))))

  ;; xmlMarks(from, end, final, out, cap) → where to resume.
  ;; Writes to `out` (i32 each, ascending) `position << 2 | kind` for every tag start in [from, end) that is an event start
  ;; (kind 0), end (1) or EventID tag (2), and sets `count`. Stops early, returning the position to resume from, at the first
  ;; '<' it cannot decide yet (unless `final`: in the last 8 bytes of the range, where the bytes that decide have not arrived)
  ;; or when `cap` marks are written; otherwise returns `end`. A tag is found from its `Ev`, 64 positions a step (a '<'
  ;; needle would stop at every tag, a 'v' one twice as often, at every Provider, Level and Version): the '<' is one byte
  ;; before it (`<Ev`) or two (`</Ev`). Most steps find nothing; of the rest, the tag test is branch-light.
  (func (export "xmlMarks") (param $p i32) (param $end i32) (param $final i32) (param $out i32) (param $cap i32) (result i32)
    (local $from i32) (local $n i32) (local $m i32) (local $q i32) (local $k i32) (local $stop i32) (local $e v128) (local $v v128) (local $w i64) (local $b6 i32) (local $b8 i32) (local $m64 i64)
    (local.set $from (local.get $p))
    (local.set $e (i8x16.splat (i32.const 0x45)))
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
        (local.set $m64 (i64.or
          (i64.extend_i32_u (i32.or
            (i8x16.bitmask (v128.and (i8x16.eq (v128.load align=1 (local.get $p)) (local.get $e))
                                     (i8x16.eq (v128.load offset=1 align=1 (local.get $p)) (local.get $v))))
            (i32.shl (i8x16.bitmask (v128.and (i8x16.eq (v128.load offset=16 align=1 (local.get $p)) (local.get $e))
                                              (i8x16.eq (v128.load offset=17 align=1 (local.get $p)) (local.get $v))))
                     (i32.const 16))))
          (i64.shl (i64.extend_i32_u (i32.or
            (i8x16.bitmask (v128.and (i8x16.eq (v128.load offset=32 align=1 (local.get $p)) (local.get $e))
                                     (i8x16.eq (v128.load offset=33 align=1 (local.get $p)) (local.get $v))))
            (i32.shl (i8x16.bitmask (v128.and (i8x16.eq (v128.load offset=48 align=1 (local.get $p)) (local.get $e))
                                              (i8x16.eq (v128.load offset=49 align=1 (local.get $p)) (local.get $v))))
                     (i32.const 16))))
            (i64.const 32))))
        (block $bitsDone
          (loop $bits
            (br_if $bitsDone (i64.eqz (local.get $m64)))
            (local.set $q (i32.add (local.get $p) (i32.wrap_i64 (i64.ctz (local.get $m64)))))
            (local.set $m64 (i64.and (local.get $m64) (i64.sub (local.get $m64) (i64.const 1))))
            ;; The tag's '<' is one byte before the 'E' (`<Ev`) or two (`</Ev`).
            (local.set $q (i32.sub (local.get $q)
              (select (i32.const 2) (i32.const 1) (i32.eq (i32.load8_u (i32.sub (local.get $q) (i32.const 1))) (i32.const 0x2f)))))
            (br_if $bits (i32.lt_u (local.get $q) (local.get $from)))
            (br_if $bits (i32.ne (i32.load8_u (local.get $q)) (i32.const 0x3c)))
            (if (i32.ge_u (local.get $q) (local.get $stop))
              (then (global.set $count (local.get $n)) (return (local.get $stop))))
            ;; The tag, from the 8 bytes at $q read at once and the ninth: `</Event>` is 1, `<Event` and a boundary 0, `<EventID`
            ;; and a boundary 2, anything else -1. A boundary (space, tab, CR, LF, '>' or '/': xml-framing.ts isStartBoundary) is a
            ;; bit of BOUNDARIES, the set of those bytes (all below 64).
            (local.set $w (i64.load align=1 (local.get $q)))
            (local.set $b6 (i32.wrap_i64 (i64.shr_u (local.get $w) (i64.const 48))))
            (local.set $b8 (i32.load8_u offset=8 (local.get $q)))
            (local.set $k (i32.const -1))
            (if (i64.eq (i64.and (local.get $w) (i64.const 0xffffffffffff)) (i64.const 0x746e6576453c)) ;; "<Event"
              (then
                (if (call $isBoundary (i32.and (local.get $b6) (i32.const 0xff)))
                  (then (local.set $k (i32.const 0)))
                  (else
                    (if (i32.and (i32.eq (local.get $b6) (i32.const 0x4449)) (call $isBoundary (local.get $b8))) ;; "ID"
                      (then (local.set $k (i32.const 2))))))))
            (if (i64.eq (local.get $w) (i64.const 0x3e746e6576452f3c)) (then (local.set $k (i32.const 1)))) ;; "</Event>"
            (if (i32.ge_s (local.get $k) (i32.const 0))
              (then
                (if (i32.eq (local.get $n) (local.get $cap))
                  (then (global.set $count (local.get $n)) (return (local.get $q))))
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
                           (i32.or (i32.shl (local.get $q) (i32.const 2)) (local.get $k)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $blocks)))
    (global.set $count (local.get $n))
    (local.get $stop))

  ;; find(from, to, pattern, length) → the first position q in [from, to - length] where the pattern occurs, or -1.
  ;; The pattern is `length` bytes at `pattern` followed by `length` mask bytes: byte b matches pattern byte c under mask k when
  ;; (b | k) == c, so a lower-case ASCII letter with mask 0x20 matches either case and mask 0 matches exactly. length ≥ 1.
  ;; The first two pattern bytes are compared at 32 positions a step (two 16-position compares); a one-byte pattern pairs
  ;; with an always-true second. $find is the same search for the other kernel functions.
  (func (export "find") (param $p i32) (param $to i32) (param $pat i32) (param $len i32) (result i32)
    (call $find (local.get $p) (local.get $to) (local.get $pat) (local.get $len)))
  (func $find (param $p i32) (param $to i32) (param $pat i32) (param $len i32) (result i32)
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
    ;; 32 positions a step: two 16-position compares of the first two pattern bytes, one mask.
    (block $done
      (loop $blocks
        (br_if $done (i32.gt_s (local.get $p) (local.get $last)))
        (local.set $m (i32.or
          (i8x16.bitmask
            (v128.and
              (i8x16.eq (v128.or (v128.load align=1 (local.get $p)) (local.get $k0)) (local.get $c0))
              (i8x16.eq (v128.or (v128.load offset=1 align=1 (local.get $p)) (local.get $k1)) (local.get $c1))))
          (i32.shl
            (i8x16.bitmask
              (v128.and
                (i8x16.eq (v128.or (v128.load offset=16 align=1 (local.get $p)) (local.get $k0)) (local.get $c0))
                (i8x16.eq (v128.or (v128.load offset=17 align=1 (local.get $p)) (local.get $k1)) (local.get $c1))))
            (i32.const 16))))
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
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
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
  ;; every pattern in one pass, 32 positions a step, on the bytes OR 0x20 (a letter's case folded; a few other bytes
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
        ;; 32 positions a step: two 16-position compares, one mask.
        (local.set $m (i32.or
          (i8x16.bitmask
            (block (result v128)
              (local.set $v0 (v128.or (v128.load align=1 (local.get $p)) (local.get $low32)))
              (local.set $v1 (v128.or (v128.load offset=1 align=1 (local.get $p)) (local.get $low32)))
              (v128.or
                (v128.or
                  (v128.and (i8x16.eq (local.get $v0) (local.get $a0)) (i8x16.eq (local.get $v1) (local.get $a1)))
                  (v128.and (i8x16.eq (local.get $v0) (local.get $b0)) (i8x16.eq (local.get $v1) (local.get $b1))))
                (v128.or
                  (v128.and (i8x16.eq (local.get $v0) (local.get $c0)) (i8x16.eq (local.get $v1) (local.get $c1)))
                  (v128.and (i8x16.eq (local.get $v0) (local.get $d0)) (i8x16.eq (local.get $v1) (local.get $d1)))))))
          (i32.shl
            (i8x16.bitmask
            (block (result v128)
              (local.set $v0 (v128.or (v128.load offset=16 align=1 (local.get $p)) (local.get $low32)))
              (local.set $v1 (v128.or (v128.load offset=17 align=1 (local.get $p)) (local.get $low32)))
              (v128.or
                (v128.or
                  (v128.and (i8x16.eq (local.get $v0) (local.get $a0)) (i8x16.eq (local.get $v1) (local.get $a1)))
                  (v128.and (i8x16.eq (local.get $v0) (local.get $b0)) (i8x16.eq (local.get $v1) (local.get $b1))))
                (v128.or
                  (v128.and (i8x16.eq (local.get $v0) (local.get $c0)) (i8x16.eq (local.get $v1) (local.get $c1)))
                  (v128.and (i8x16.eq (local.get $v0) (local.get $d0)) (i8x16.eq (local.get $v1) (local.get $d1)))))))
            (i32.const 16))))
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
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $blocks)))
    (global.set $count (local.get $count))
    (local.get $to))

  ;; Whether b is XML whitespace: space, tab, CR or LF.
  (func $space (param $b i32) (result i32)
    (i32.or
      (i32.or (i32.eq (local.get $b) (i32.const 0x20)) (i32.eq (local.get $b) (i32.const 0x0a)))
      (i32.or (i32.eq (local.get $b) (i32.const 0x0d)) (i32.eq (local.get $b) (i32.const 0x09)))))

  ;; The number in `<EventID …>n</EventID>` whose tag starts at $at, in an event ending at $end, or -1 unless the element is
  ;; whitespace-padded digits (at most six) closed by an end tag: xml-event-id.ts xmlEventId, byte for byte.
  (func $eventId (param $at i32) (param $end i32) (result i32)
    (local $i i32) (local $c i32) (local $value i32) (local $digits i32)
    (local.set $i (i32.add (local.get $at) (i32.const 8)))
    (block $gt
      (loop $tag
        (br_if $gt (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $gt (i32.eq (i32.load8_u (local.get $i)) (i32.const 0x3e)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tag)))
    (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const -1))))
    (if (i32.eq (i32.load8_u (i32.sub (local.get $i) (i32.const 1))) (i32.const 0x2f)) (then (return (i32.const -1))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (block $lead
      (loop $ws
        (br_if $lead (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $lead (i32.eqz (call $space (i32.load8_u (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ws)))
    (block $number
      (loop $digit
        (br_if $number (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $number (i32.ge_u (local.get $digits) (i32.const 6)))
        (local.set $c (i32.sub (i32.load8_u (local.get $i)) (i32.const 0x30)))
        (br_if $number (i32.gt_u (local.get $c) (i32.const 9)))
        (local.set $value (i32.add (i32.mul (local.get $value) (i32.const 10)) (local.get $c)))
        (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $digit)))
    (block $trail
      (loop $ws2
        (br_if $trail (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $trail (i32.eqz (call $space (i32.load8_u (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ws2)))
    (if (result i32)
      (i32.and
        (i32.and (i32.gt_u (local.get $digits) (i32.const 0)) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $end)))
        (i32.and (i32.eq (i32.load8_u (local.get $i)) (i32.const 0x3c)) (i32.eq (i32.load8_u offset=1 (local.get $i)) (i32.const 0x2f))))
      (then (local.get $value))
      (else (i32.const -1))))

  ;; Whether $id is one of the $n i32 at $ids.
  (func $listed (param $id i32) (param $ids i32) (param $n i32) (result i32)
    (local $k i32)
    (block $no
      (loop $each
        (br_if $no (i32.ge_s (local.get $k) (local.get $n)))
        (if (i32.eq (i32.load (i32.add (local.get $ids) (i32.shl (local.get $k) (i32.const 2)))) (local.get $id))
          (then (return (i32.const 1))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $each)))
    (i32.const 0))

  ;; $triage(p, e, id, table) → what the raw bytes [p, e) of an event with EventID $id settle, as the prefilter would decide
  ;; (candidate-filter.ts #classifyXml): 0 nothing (deliver it), 1 not a process event, 2 a process event that cannot match.
  ;; The table (i32 each): the number of providers, up to 4 × (EventID, pattern, length) from byte 4, the reference `&#` as
  ;; (pattern, length) at 52, the number of literals at 60 and up to 8 × (pattern, length) from 64; patterns as for find.
  ;; Settled only for a listed EventID, an event without `&#`: without its provider literal it is no process event; with it,
  ;; and without any of the literals (one of which every candidate holds), it is a process event that cannot match.
  (func $triage (param $p i32) (param $e i32) (param $id i32) (param $table i32) (result i32)
    (local $k i32) (local $at i32) (local $n i32)
    (local.set $n (i32.load (local.get $table)))
    (local.set $at (i32.const -1))
    (block $found
      (loop $providers
        (br_if $found (i32.ge_s (local.get $k) (local.get $n)))
        (if (i32.eq (i32.load offset=4 (i32.add (local.get $table) (i32.mul (local.get $k) (i32.const 12)))) (local.get $id))
          (then (local.set $at (i32.add (i32.add (local.get $table) (i32.const 8)) (i32.mul (local.get $k) (i32.const 12)))) (br $found)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $providers)))
    (if (i32.lt_s (local.get $at) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.ge_s (call $find (local.get $p) (local.get $e) (i32.load offset=52 (local.get $table)) (i32.load offset=56 (local.get $table))) (i32.const 0))
      (then (return (i32.const 0))))
    (if (i32.lt_s (call $find (local.get $p) (local.get $e) (i32.load (local.get $at)) (i32.load offset=4 (local.get $at))) (i32.const 0))
      (then (return (i32.const 1))))
    (local.set $n (i32.load offset=60 (local.get $table)))
    (local.set $k (i32.const 0))
    (block $none
      (loop $literals
        (br_if $none (i32.ge_s (local.get $k) (local.get $n)))
        (local.set $at (i32.add (i32.add (local.get $table) (i32.const 64)) (i32.shl (local.get $k) (i32.const 3))))
        (if (i32.ge_s (call $find (local.get $p) (local.get $e) (i32.load (local.get $at)) (i32.load offset=4 (local.get $at))) (i32.const 0))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $literals)))
    (i32.const 2))

  ;; xmlRun(p, end, marks, i, n, ids, nIds, max, table, res) → where the run stopped.
  ;; The XML framer's common case (xml-framing.ts #runOfEvents), taken from the $n marks at $marks (an xmlMarks answer, read
  ;; from index $i on): from $p (before $end), complete events one after another with only whitespace between them. An event
  ;; is its start mark, any `<EventID` marks, then an end mark, at most $max bytes long. An event whose one `<EventID` holds
  ;; clean digits (see $eventId) not among the $nIds i32 at $ids is only counted ($nIds < 0: none is); so is one with a listed
  ;; EventID that the triage table at $table settles ($triage; 0: no table), and the start of each process event settled is
  ;; listed. The run stops at the first event it would deliver (returned), or at anything else (returned: not a start mark, no
  ;; end mark among these marks, too long, or the list full). Results at $res (i32 each): events counted, the index of the
  ;; first mark at or after the position returned, the end of the event to deliver and its one `<EventID` (-1 when it
  ;; stopped at something else), the number of process events listed from $res + 32 (at most RUN_LIST).
  (func (export "xmlRun") (param $p i32) (param $end i32) (param $marks i32) (param $i i32) (param $n i32) (param $ids i32) (param $nIds i32) (param $max i32) (param $table i32) (param $res i32) (result i32)
    (local $m i32) (local $j i32) (local $k i32) (local $count i32) (local $idAt i32) (local $e i32) (local $skipped i32) (local $id i32)
    (local $listed i32) (local $verdict i32) (local $b i32)
    (i32.store offset=8 (local.get $res) (i32.const -1))
    (i32.store offset=12 (local.get $res) (i32.const -1))
    (block $stop
      (loop $events
        ;; Whitespace: space, LF, CR, tab.
        (block $ws
          (loop $space
            (br_if $ws (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $b (i32.load8_u (local.get $p)))
            (br_if $ws (i32.eqz (i32.or (i32.or (i32.eq (local.get $b) (i32.const 0x20)) (i32.eq (local.get $b) (i32.const 0x0a)))
                                        (i32.or (i32.eq (local.get $b) (i32.const 0x0d)) (i32.eq (local.get $b) (i32.const 0x09))))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $space)))
        (block $at
          (loop $advance
            (br_if $at (i32.ge_u (local.get $i) (local.get $n)))
            (br_if $at (i32.ge_u (i32.shr_u (i32.load (i32.add (local.get $marks) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))
                                 (local.get $p)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $advance)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (br_if $stop (i32.ge_u (local.get $i) (local.get $n)))
        ;; A start mark exactly at $p: position << 2 | 0.
        (br_if $stop (i32.ne (i32.load (i32.add (local.get $marks) (i32.shl (local.get $i) (i32.const 2))))
                             (i32.shl (local.get $p) (i32.const 2))))
        (local.set $j (i32.add (local.get $i) (i32.const 1)))
        (local.set $count (i32.const 0))
        (local.set $idAt (i32.const -1))
        (local.set $e (i32.const -1))
        (block $closed
          (loop $within
            (br_if $closed (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $m (i32.load (i32.add (local.get $marks) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $k (i32.and (local.get $m) (i32.const 3)))
            (if (i32.eq (local.get $k) (i32.const 2))
              (then
                (if (i32.eqz (local.get $count)) (then (local.set $idAt (i32.shr_u (local.get $m) (i32.const 2)))))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $within)))
            (if (i32.eq (local.get $k) (i32.const 1))
              (then (local.set $e (i32.add (i32.shr_u (local.get $m) (i32.const 2)) (i32.const 8)))))))
        (br_if $stop (i32.lt_s (local.get $e) (i32.const 0)))
        (br_if $stop (i32.gt_u (i32.sub (local.get $e) (local.get $p)) (local.get $max)))
        (if (i32.ne (local.get $count) (i32.const 1)) (then (local.set $idAt (i32.const -1))))
        (if (i32.and (i32.ge_s (local.get $nIds) (i32.const 0)) (i32.ge_s (local.get $idAt) (i32.const 0)))
          (then
            (local.set $id (call $eventId (local.get $idAt) (local.get $e)))
            (if (i32.ge_s (local.get $id) (i32.const 0))
              (then
                (local.set $verdict (i32.const 1))
                (if (call $listed (local.get $id) (local.get $ids) (local.get $nIds))
                  (then
                    (local.set $verdict
                      (if (result i32) (local.get $table)
                        (then (call $triage (local.get $p) (local.get $e) (local.get $id) (local.get $table)))
                        (else (i32.const 0))))))
                (if (i32.eq (local.get $verdict) (i32.const 2))
                  (then
                    ;; A full list: stop before this event (the framer reads it itself).
                    (br_if $stop (i32.ge_u (local.get $listed) (i32.const 256)))
                    (i32.store offset=32 (i32.add (local.get $res) (i32.shl (local.get $listed) (i32.const 2))) (local.get $p))
                    (local.set $listed (i32.add (local.get $listed) (i32.const 1)))))
                (if (local.get $verdict)
                  (then
                    (local.set $skipped (i32.add (local.get $skipped) (i32.const 1)))
                    (local.set $p (local.get $e))
                    (local.set $i (i32.add (local.get $j) (i32.const 1)))
                    (br $events)))))))
        (i32.store offset=8 (local.get $res) (local.get $e))
        (i32.store offset=12 (local.get $res) (local.get $idAt))))
    (i32.store (local.get $res) (local.get $skipped))
    (i32.store offset=4 (local.get $res) (local.get $i))
    (i32.store offset=16 (local.get $res) (local.get $listed))
    (local.get $p))

  ;; countNewlines(from, to) → how many bytes in [from, to) are '\n'. 64 bytes a step, each newline found adding one to its
  ;; lane of a byte counter (a compare gives -1 per match) that is summed before it can overflow (every 63 steps: 4 × 63 <
  ;; 256); the last bytes one by one.
  (func (export "countNewlines") (param $p i32) (param $to i32) (result i32)
    (local $total i32) (local $acc v128) (local $nl v128) (local $stop i32) (local $wide v128)
    (local.set $nl (i8x16.splat (i32.const 0x0a)))
    (block $done
      (loop $outer
        (br_if $done (i32.gt_s (i32.add (local.get $p) (i32.const 64)) (local.get $to)))
        ;; This round's last step starts 62 steps on (63 in all), or is the last whole step before $to.
        (local.set $stop (i32.add (local.get $p) (i32.const 3968)))
        (if (i32.gt_s (local.get $stop) (i32.sub (local.get $to) (i32.const 64)))
          (then (local.set $stop (i32.sub (local.get $to) (i32.const 64)))))
        (local.set $acc (v128.const i64x2 0 0))
        (loop $inner
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load align=1 (local.get $p)) (local.get $nl))))
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=16 align=1 (local.get $p)) (local.get $nl))))
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=32 align=1 (local.get $p)) (local.get $nl))))
          (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=48 align=1 (local.get $p)) (local.get $nl))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $inner (i32.le_s (local.get $p) (local.get $stop))))
        (local.set $wide (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc))))
        (local.set $total (i32.add (local.get $total)
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $wide)) (i32x4.extract_lane 1 (local.get $wide)))
            (i32.add (i32x4.extract_lane 2 (local.get $wide)) (i32x4.extract_lane 3 (local.get $wide))))))
        (br $outer)))
    (block $end
      (loop $tail
        (br_if $end (i32.ge_s (local.get $p) (local.get $to)))
        (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x0a)) (then (local.set $total (i32.add (local.get $total) (i32.const 1)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $tail)))
    (local.get $total))
)

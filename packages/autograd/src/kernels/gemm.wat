;; The matrix product kernel of adjoint's Tensor engine, in WebAssembly with 128-bit SIMD (f64x2).
;; Assembled by scripts/build-wasm.mjs into src/gemm-wasm.ts; a test checks that the two agree.
;;
;; gemm(ap, bp, c, m4, n4, k, ldc) computes C = A·B for the parts of A and B that the caller packed
;; (with pack64) into panels four rows (or columns) wide:
;;   A panels at ap: panel i/4 holds A(i..i+3, p) for p = 0..k-1, four doubles per p
;;   B panels at bp: panel j/4 holds B(p, j..j+3) for p = 0..k-1, four doubles per p
;;   C at c: m4 × n4 doubles, row-major, ldc doubles from one row to the next
;; Each 4×4 block of C lives in eight f64x2 accumulators for the whole loop over p. Every element is
;; 0 + a₀b₀ + a₁b₁ + …, multiply then add in index order (no fused multiply-add), as the TypeScript
;; kernel computes it, so both give the same bits.
;;
;; gemm32(ap, bp, c, m4, n8, k, ldc) is the same kernel for float32 (f32x4): A panels four rows wide, B
;; panels eight columns wide (32 bytes per p, as in gemm), blocks of 4×8 in eight accumulators. Each
;; product and each sum is rounded to float32, as the TypeScript kernel does with Math.fround.
;;
;; pack64 and pack32 copy a strided matrix into those panels (see `packPanels` in kernels.ts, the
;; TypeScript reference). Addresses and strides are in bytes.
;;
;; The build makes a second module from this source, importing a shared memory in place of this one's,
;; so worker threads (src/threads.ts) can run the kernels on other rows of the same panels and C.
(module
  (memory (export "memory") 1)
  (func (export "gemm")
    (param $ap i32) (param $bp i32) (param $c i32) (param $m4 i32) (param $n4 i32) (param $k i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $p i32) (local $x i32) (local $y i32) (local $o i32)
    (local $panelStride i32) (local $rowBytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $b01 v128) (local $b23 v128)
    (local $c00 v128) (local $c02 v128) (local $c10 v128) (local $c12 v128)
    (local $c20 v128) (local $c22 v128) (local $c30 v128) (local $c32 v128)
    ;; a panel of 4 rows spans 4·k doubles: row block i starts i·k·8 bytes in
    (local.set $panelStride (i32.shl (local.get $k) (i32.const 3)))
    (local.set $rowBytes (i32.shl (local.get $ldc) (i32.const 3)))
    (block $doneI
      (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $m4)))
        (local.set $j (i32.const 0))
        (block $doneJ
          (loop $loopJ
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n4)))
        (local.set $c00 (v128.const f64x2 0 0))
        (local.set $c02 (v128.const f64x2 0 0))
        (local.set $c10 (v128.const f64x2 0 0))
        (local.set $c12 (v128.const f64x2 0 0))
        (local.set $c20 (v128.const f64x2 0 0))
        (local.set $c22 (v128.const f64x2 0 0))
        (local.set $c30 (v128.const f64x2 0 0))
        (local.set $c32 (v128.const f64x2 0 0))
            (local.set $x (i32.add (local.get $ap) (i32.mul (local.get $i) (local.get $panelStride))))
            (local.set $y (i32.add (local.get $bp) (i32.mul (local.get $j) (local.get $panelStride))))
            (local.set $p (i32.const 0))
            (block $doneP
              (loop $loopP
                (br_if $doneP (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $b01 (v128.load (local.get $y)))
                (local.set $b23 (v128.load offset=16 (local.get $y)))
                (local.set $a0 (v128.load64_splat (local.get $x)))
                (local.set $a1 (v128.load64_splat offset=8 (local.get $x)))
                (local.set $a2 (v128.load64_splat offset=16 (local.get $x)))
                (local.set $a3 (v128.load64_splat offset=24 (local.get $x)))
          (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $a0) (local.get $b01))))
          (local.set $c02 (f64x2.add (local.get $c02) (f64x2.mul (local.get $a0) (local.get $b23))))
          (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $a1) (local.get $b01))))
          (local.set $c12 (f64x2.add (local.get $c12) (f64x2.mul (local.get $a1) (local.get $b23))))
          (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $a2) (local.get $b01))))
          (local.set $c22 (f64x2.add (local.get $c22) (f64x2.mul (local.get $a2) (local.get $b23))))
          (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $a3) (local.get $b01))))
          (local.set $c32 (f64x2.add (local.get $c32) (f64x2.mul (local.get $a3) (local.get $b23))))
                (local.set $x (i32.add (local.get $x) (i32.const 32)))
                (local.set $y (i32.add (local.get $y) (i32.const 32)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $loopP)))
            (local.set $o
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 3))))
        (v128.store (local.get $o) (local.get $c00))
        (v128.store offset=16 (local.get $o) (local.get $c02))
        (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
        (v128.store (local.get $o) (local.get $c10))
        (v128.store offset=16 (local.get $o) (local.get $c12))
        (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
        (v128.store (local.get $o) (local.get $c20))
        (v128.store offset=16 (local.get $o) (local.get $c22))
        (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
        (v128.store (local.get $o) (local.get $c30))
        (v128.store offset=16 (local.get $o) (local.get $c32))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $loopJ)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loopI))))
  (func (export "gemm32")
    (param $ap i32) (param $bp i32) (param $c i32) (param $m4 i32) (param $n8 i32) (param $k i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $p i32) (local $x i32) (local $y i32) (local $o i32)
    (local $aStride i32) (local $bStride i32) (local $rowBytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $b03 v128) (local $b47 v128)
    (local $c00 v128) (local $c04 v128) (local $c10 v128) (local $c14 v128)
    (local $c20 v128) (local $c24 v128) (local $c30 v128) (local $c34 v128)
    ;; a panel of 4 rows of A spans 4·k floats: row block i starts i·k·4 bytes in; a panel of 8
    ;; columns of B spans 8·k floats: column block j starts j·k·4 bytes in
    (local.set $aStride (i32.shl (local.get $k) (i32.const 2)))
    (local.set $bStride (i32.shl (local.get $k) (i32.const 2)))
    (local.set $rowBytes (i32.shl (local.get $ldc) (i32.const 2)))
    (block $doneI
      (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $m4)))
        (local.set $j (i32.const 0))
        (block $doneJ
          (loop $loopJ
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n8)))
        (local.set $c00 (v128.const f32x4 0 0 0 0))
        (local.set $c04 (v128.const f32x4 0 0 0 0))
        (local.set $c10 (v128.const f32x4 0 0 0 0))
        (local.set $c14 (v128.const f32x4 0 0 0 0))
        (local.set $c20 (v128.const f32x4 0 0 0 0))
        (local.set $c24 (v128.const f32x4 0 0 0 0))
        (local.set $c30 (v128.const f32x4 0 0 0 0))
        (local.set $c34 (v128.const f32x4 0 0 0 0))
            (local.set $x (i32.add (local.get $ap) (i32.mul (local.get $i) (local.get $aStride))))
            (local.set $y (i32.add (local.get $bp) (i32.mul (local.get $j) (local.get $bStride))))
            (local.set $p (i32.const 0))
            (block $doneP
              (loop $loopP
                (br_if $doneP (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $b03 (v128.load (local.get $y)))
                (local.set $b47 (v128.load offset=16 (local.get $y)))
                (local.set $a0 (v128.load32_splat (local.get $x)))
                (local.set $a1 (v128.load32_splat offset=4 (local.get $x)))
                (local.set $a2 (v128.load32_splat offset=8 (local.get $x)))
                (local.set $a3 (v128.load32_splat offset=12 (local.get $x)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a0) (local.get $b03))))
          (local.set $c04 (f32x4.add (local.get $c04) (f32x4.mul (local.get $a0) (local.get $b47))))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a1) (local.get $b03))))
          (local.set $c14 (f32x4.add (local.get $c14) (f32x4.mul (local.get $a1) (local.get $b47))))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a2) (local.get $b03))))
          (local.set $c24 (f32x4.add (local.get $c24) (f32x4.mul (local.get $a2) (local.get $b47))))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a3) (local.get $b03))))
          (local.set $c34 (f32x4.add (local.get $c34) (f32x4.mul (local.get $a3) (local.get $b47))))
                (local.set $x (i32.add (local.get $x) (i32.const 16)))
                (local.set $y (i32.add (local.get $y) (i32.const 32)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $loopP)))
            (local.set $o
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 2))))
        (v128.store (local.get $o) (local.get $c00))
        (v128.store offset=16 (local.get $o) (local.get $c04))
        (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
        (v128.store (local.get $o) (local.get $c10))
        (v128.store offset=16 (local.get $o) (local.get $c14))
        (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
        (v128.store (local.get $o) (local.get $c20))
        (v128.store offset=16 (local.get $o) (local.get $c24))
        (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
        (v128.store (local.get $o) (local.get $c30))
        (v128.store offset=16 (local.get $o) (local.get $c34))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $loopJ)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loopI))))
  ;; pack64(dst, src, lineStride, stepStride, lines, steps, width): line l, step p is the double at
  ;; src + l·lineStride + p·stepStride; lines go four at a time into panels of `width` lines, where
  ;; panel l/width holds, for each p, its width lines' values. `lines` is a multiple of `width`.
  (func (export "pack64")
    (param $dst i32) (param $src i32) (param $lineStride i32) (param $stepStride i32)
    (param $lines i32) (param $steps i32) (param $width i32)
    (local $l i32) (local $p i32) (local $q i32) (local $x i32) (local $panel i32) (local $step i32)
    (local.set $step (i32.shl (local.get $width) (i32.const 3)))
    (block $doneL
      (loop $loopL
        (br_if $doneL (i32.ge_u (local.get $l) (local.get $lines)))
        (local.set $panel (i32.sub (local.get $l) (i32.rem_u (local.get $l) (local.get $width))))
        (local.set $q (i32.add (local.get $dst) (i32.shl
          (i32.add (i32.mul (local.get $panel) (local.get $steps)) (i32.sub (local.get $l) (local.get $panel)))
          (i32.const 3))))
        (local.set $x (i32.add (local.get $src) (i32.mul (local.get $l) (local.get $lineStride))))
        (local.set $p (i32.const 0))
        (block $doneP
          (loop $loopP
            (br_if $doneP (i32.ge_u (local.get $p) (local.get $steps)))
            (f64.store (local.get $q) (f64.load (local.get $x)))
            (f64.store offset=8 (local.get $q) (f64.load (i32.add (local.get $x) (local.get $lineStride))))
            (f64.store offset=16 (local.get $q)
              (f64.load (i32.add (local.get $x) (i32.shl (local.get $lineStride) (i32.const 1)))))
            (f64.store offset=24 (local.get $q)
              (f64.load (i32.add (local.get $x) (i32.mul (local.get $lineStride) (i32.const 3)))))
            (local.set $q (i32.add (local.get $q) (local.get $step)))
            (local.set $x (i32.add (local.get $x) (local.get $stepStride)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $loopP)))
        (local.set $l (i32.add (local.get $l) (i32.const 4)))
        (br $loopL))))

  ;; pack32(dst, src, lineStride, stepStride, lines, steps, width): line l, step p is the float at
  ;; src + l·lineStride + p·stepStride; lines go four at a time into panels of `width` lines, where
  ;; panel l/width holds, for each p, its width lines' values. `lines` is a multiple of `width`.
  (func (export "pack32")
    (param $dst i32) (param $src i32) (param $lineStride i32) (param $stepStride i32)
    (param $lines i32) (param $steps i32) (param $width i32)
    (local $l i32) (local $p i32) (local $q i32) (local $x i32) (local $panel i32) (local $step i32)
    (local.set $step (i32.shl (local.get $width) (i32.const 2)))
    (block $doneL
      (loop $loopL
        (br_if $doneL (i32.ge_u (local.get $l) (local.get $lines)))
        (local.set $panel (i32.sub (local.get $l) (i32.rem_u (local.get $l) (local.get $width))))
        (local.set $q (i32.add (local.get $dst) (i32.shl
          (i32.add (i32.mul (local.get $panel) (local.get $steps)) (i32.sub (local.get $l) (local.get $panel)))
          (i32.const 2))))
        (local.set $x (i32.add (local.get $src) (i32.mul (local.get $l) (local.get $lineStride))))
        (local.set $p (i32.const 0))
        (block $doneP
          (loop $loopP
            (br_if $doneP (i32.ge_u (local.get $p) (local.get $steps)))
            (f32.store (local.get $q) (f32.load (local.get $x)))
            (f32.store offset=4 (local.get $q) (f32.load (i32.add (local.get $x) (local.get $lineStride))))
            (f32.store offset=8 (local.get $q)
              (f32.load (i32.add (local.get $x) (i32.shl (local.get $lineStride) (i32.const 1)))))
            (f32.store offset=12 (local.get $q)
              (f32.load (i32.add (local.get $x) (i32.mul (local.get $lineStride) (i32.const 3)))))
            (local.set $q (i32.add (local.get $q) (local.get $step)))
            (local.set $x (i32.add (local.get $x) (local.get $stepStride)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $loopP)))
        (local.set $l (i32.add (local.get $l) (i32.const 4)))
        (br $loopL)))))

//! Variable-time Montgomery arithmetic modulo a public RSA modulus.
//!
//! Numbers are little-endian arrays of 64-bit limbs. Each function is generic over the width
//! `N` in limbs, so loop bounds are compile-time constants and every value fits a stack array.
//! A modulus is padded with zero limbs up to the next width in [`WIDTHS`]. Montgomery
//! arithmetic only needs `n < R = 2^(64N)` and `n` odd, so the padding changes the speed, never
//! the result.
//!
//! Multiplication and squaring use product scanning with interleaved reduction (the FIPS
//! method of Koç, Acar and Kaliski, "Analyzing and Comparing Montgomery Multiplication
//! Algorithms", IEEE Micro 16(3), 1996): each output column is summed in a three-word
//! accumulator and written once, which suits `u64 × u64 → u128` products.
//!
//! Nothing here runs in constant time. That is safe because an RSA signature check handles
//! only public values: the key is published, and the signature and the message are what the
//! verifier received. This module must never be used with a private key.

use alloc::vec::Vec;

/// The supported widths in limbs: 2048, 3072, 4096, 6144 and 8192 bits.
const WIDTHS: [usize; 5] = [32, 48, 64, 96, 128];

/// The widest supported modulus, in bytes.
pub(super) const MAX_MODULUS_BYTES: usize = 128 * 8;

/// An odd modulus `n` with the values that Montgomery multiplication modulo `n` needs.
#[derive(Clone)]
pub(super) struct Modulus {
    /// Three numbers of `width` limbs each, in one allocation. The first is `n`, padded with
    /// zero limbs. The second is `n` with its limbs in reverse order, for the products
    /// `q[j]·n[i-j]` of a column. The third is `R^2 mod n`, which converts a number into
    /// Montgomery form.
    values: Vec<u64>,
    /// The width in limbs, one of [`WIDTHS`].
    width: usize,
    /// `-n^-1 mod 2^64`.
    n0_inverse: u64,
    /// The length of `n` in bytes.
    byte_len: usize,
}

/// A [`Modulus`] borrowed at its width.
struct Params<'a, const N: usize> {
    n: &'a [u64; N],
    n_reversed: &'a [u64; N],
    r_squared: &'a [u64; N],
    n0_inverse: u64,
}

impl Modulus {
    /// Precomputes the Montgomery parameters of the big-endian modulus `modulus`.
    ///
    /// Returns `None` when `modulus` is even, has leading zero octets, or is wider than
    /// [`MAX_MODULUS_BYTES`].
    pub(super) fn new(modulus: &[u8]) -> Option<Self> {
        let (&top, _) = modulus.split_first()?;
        if top == 0 || modulus.last()? & 1 == 0 {
            return None;
        }
        let bits = modulus.len() * 8 - top.leading_zeros() as usize;
        let width = *WIDTHS.iter().find(|&&width| width * 64 >= bits)?;
        match width {
            32 => Self::setup::<32>(modulus, bits),
            48 => Self::setup::<48>(modulus, bits),
            64 => Self::setup::<64>(modulus, bits),
            96 => Self::setup::<96>(modulus, bits),
            128 => Self::setup::<128>(modulus, bits),
            _ => None,
        }
    }

    fn setup<const N: usize>(modulus: &[u8], bits: usize) -> Option<Self> {
        let n: [u64; N] = from_be_bytes(modulus)?;
        let n0_inverse = inverse_mod_word(n[0]).wrapping_neg();
        let mut n_reversed = n;
        n_reversed.reverse();
        let r_squared = r_squared_mod(&n, &n_reversed, n0_inverse, bits);
        let mut values = Vec::with_capacity(3 * N);
        values.extend_from_slice(&n);
        values.extend_from_slice(&n_reversed);
        values.extend_from_slice(&r_squared);
        Some(Self {
            values,
            width: N,
            n0_inverse,
            byte_len: modulus.len(),
        })
    }

    /// The length of the modulus in bytes.
    pub(super) fn byte_len(&self) -> usize {
        self.byte_len
    }

    /// Checks that `base^exponent mod n` equals `expected`, where both `base` and `expected`
    /// are big-endian and exactly [`Modulus::byte_len`] bytes long.
    ///
    /// Returns `false` when `base >= n`: RSA verification (RFC 8017 §5.2.2) rejects such a
    /// signature representative instead of reducing it.
    pub(super) fn power_equals(&self, base: &[u8], exponent: u64, expected: &[u8]) -> bool {
        match self.width {
            32 => self.power_equals_at::<32>(base, exponent, expected),
            48 => self.power_equals_at::<48>(base, exponent, expected),
            64 => self.power_equals_at::<64>(base, exponent, expected),
            96 => self.power_equals_at::<96>(base, exponent, expected),
            128 => self.power_equals_at::<128>(base, exponent, expected),
            _ => false,
        }
    }

    fn power_equals_at<const N: usize>(&self, base: &[u8], exponent: u64, expected: &[u8]) -> bool {
        if base.len() != self.byte_len || expected.len() != self.byte_len {
            return false;
        }
        let Some(params) = self.params::<N>() else {
            return false;
        };
        let (Some(base), Some(expected)) = (from_be_bytes::<N>(base), from_be_bytes(expected))
        else {
            return false;
        };
        if !less_than(&base, params.n) {
            return false;
        }
        params.power(&base, exponent) == expected
    }

    fn params<const N: usize>(&self) -> Option<Params<'_, N>> {
        let (n, rest) = self.values.split_at_checked(N)?;
        let (n_reversed, r_squared) = rest.split_at_checked(N)?;
        Some(Params {
            n: n.try_into().ok()?,
            n_reversed: n_reversed.try_into().ok()?,
            r_squared: r_squared.try_into().ok()?,
            n0_inverse: self.n0_inverse,
        })
    }
}

impl<const N: usize> Params<'_, N> {
    /// Computes `base^exponent mod n` for `base < n` with the left-to-right binary method.
    ///
    /// For `e = 65537` this costs one conversion into Montgomery form, 16 squarings and one
    /// multiplication. The last multiplication, by the plain `base` instead of its Montgomery
    /// form, also leaves the Montgomery domain, so no conversion back is needed.
    fn power(&self, base: &[u64; N], exponent: u64) -> [u64; N] {
        let mut one = [0; N];
        one[0] = 1;
        if exponent == 0 {
            return one;
        }
        let base_mont = self.multiply(base, self.r_squared);
        let mut x = base_mont;
        let top_bit = 63 - exponent.leading_zeros();
        for bit in (0..top_bit).rev() {
            x = self.square(&x);
            if (exponent >> bit) & 1 == 1 {
                if bit == 0 {
                    // x·base·R^-1 with x in Montgomery form is the plain result.
                    return self.multiply(&x, base);
                }
                x = self.multiply(&x, &base_mont);
            }
        }
        self.multiply(&x, &one)
    }

    /// Returns `a·b·R^-1 mod n` for `a, b < n`.
    #[inline(never)]
    fn multiply(&self, a: &[u64; N], b: &[u64; N]) -> [u64; N] {
        // Column i sums a[j]·b[i-j]: with b reversed, both factors are read in ascending
        // order, which compiles to a loop with one counter and no bounds checks.
        let mut b_reversed = *b;
        b_reversed.reverse();
        let n_reversed = self.n_reversed;
        // q[i] is the multiple of n added at column i to clear that column's low word.
        let mut q = [0u64; N];
        let mut result = [0u64; N];
        let mut acc = Accumulator::default();
        for i in 0..N {
            acc.add_dot(&a[..=i], &b_reversed[N - 1 - i..]);
            acc.add_dot(&q[..i], &n_reversed[N - 1 - i..N - 1]);
            q[i] = self.clear_low_word(&mut acc);
        }
        for i in N..2 * N - 1 {
            let low = i + 1 - N;
            acc.add_dot(&a[low..], &b_reversed[..N - low]);
            acc.add_dot(&q[low..], &n_reversed[..N - low]);
            result[i - N] = acc.take_word();
        }
        result[N - 1] = acc.take_word();
        let carry = acc.take_word() != 0;
        self.reduce_once(result, carry)
    }

    /// Returns `a²·R^-1 mod n` for `a < n`, computing each cross product once.
    #[inline(never)]
    fn square(&self, a: &[u64; N]) -> [u64; N] {
        let mut a_reversed = *a;
        a_reversed.reverse();
        let n_reversed = self.n_reversed;
        let mut q = [0u64; N];
        let mut result = [0u64; N];
        let mut acc = Accumulator::default();
        for i in 0..N {
            acc.add_square_column(a, &a_reversed, i, 0);
            acc.add_dot(&q[..i], &n_reversed[N - 1 - i..N - 1]);
            q[i] = self.clear_low_word(&mut acc);
        }
        for i in N..2 * N - 1 {
            let low = i + 1 - N;
            acc.add_square_column(a, &a_reversed, i, low);
            acc.add_dot(&q[low..], &n_reversed[..N - low]);
            result[i - N] = acc.take_word();
        }
        result[N - 1] = acc.take_word();
        let carry = acc.take_word() != 0;
        self.reduce_once(result, carry)
    }

    /// Adds `q·n[0]` to `acc` for the `q` that makes its low word zero, drops that word and
    /// returns `q`.
    #[inline(always)]
    fn clear_low_word(&self, acc: &mut Accumulator) -> u64 {
        let q = acc.w0.wrapping_mul(self.n0_inverse);
        acc.add_product(q, self.n[0]);
        debug_assert_eq!(acc.w0, 0);
        acc.take_word();
        q
    }

    /// Maps a value below `2n` (with `carry` as its bit 64N) into `[0, n)`.
    #[inline(always)]
    fn reduce_once(&self, mut value: [u64; N], carry: bool) -> [u64; N] {
        if carry || !less_than(&value, self.n) {
            subtract_assign(&mut value, self.n);
        }
        value
    }
}

/// A 192-bit accumulator, `w0 + w1·2^64 + w2·2^128`, for summing one column of products.
#[derive(Clone, Copy, Default)]
struct Accumulator {
    w0: u64,
    w1: u64,
    w2: u64,
}

impl Accumulator {
    /// Adds `x·y`. Each word is widened to `u128` and its carry taken from the high half: LLVM
    /// compiles this form to one `mul`, `add`, `adc`, `adc` sequence on x86-64, while a `u128`
    /// sum with `overflowing_add` costs about three more instructions per product.
    #[inline(always)]
    fn add_product(&mut self, x: u64, y: u64) {
        let product = u128::from(x) * u128::from(y);
        let sum = u128::from(self.w0) + u128::from(product as u64);
        self.w0 = sum as u64;
        let sum = u128::from(self.w1) + (product >> 64) + (sum >> 64);
        self.w1 = sum as u64;
        self.w2 += (sum >> 64) as u64;
    }

    /// Adds `x[0]·y[0] + x[1]·y[1] + …` for slices of equal length.
    ///
    /// Products at even and odd positions go to two accumulators, which gives the processor
    /// two independent carry chains. With 3% fewer instructions, this cut a 2048-bit
    /// verification from 21.9 µs to 19.0 µs on the machine described in `BENCHMARKS.md`.
    #[inline(always)]
    fn add_dot(&mut self, x: &[u64], y: &[u64]) {
        debug_assert_eq!(x.len(), y.len());
        let mut even = *self;
        let mut odd = Accumulator::default();
        let x_pairs = x.chunks_exact(2);
        let y_pairs = y.chunks_exact(2);
        let (x_rest, y_rest) = (x_pairs.remainder(), y_pairs.remainder());
        for (x, y) in x_pairs.zip(y_pairs) {
            even.add_product(x[0], y[0]);
            odd.add_product(x[1], y[1]);
        }
        for (&x, &y) in x_rest.iter().zip(y_rest) {
            even.add_product(x, y);
        }
        even.add(&odd);
        *self = even;
    }

    /// Adds column `i` of the square of `a`: `2·Σ a[j]·a[i-j]` over `low <= j < i-j`, plus
    /// `a[i/2]²` when `i` is even. `a_reversed[k]` is `a[N-1-k]`.
    #[inline(always)]
    fn add_square_column<const N: usize>(
        &mut self,
        a: &[u64; N],
        a_reversed: &[u64; N],
        i: usize,
        low: usize,
    ) {
        let middle = i.div_ceil(2);
        let mut cross = Accumulator::default();
        // a[i-j] for j = low.. is a_reversed[N-1-i+j].
        let start = N - 1 + low - i;
        cross.add_dot(&a[low..middle], &a_reversed[start..start + middle - low]);
        // The cross sum of a column is below 2^(128 + 6), so doubling cannot overflow.
        self.add(&Accumulator {
            w0: cross.w0 << 1,
            w1: (cross.w1 << 1) | (cross.w0 >> 63),
            w2: (cross.w2 << 1) | (cross.w1 >> 63),
        });
        if i.is_multiple_of(2) {
            self.add_product(a[i / 2], a[i / 2]);
        }
    }

    #[inline(always)]
    fn add(&mut self, other: &Accumulator) {
        let sum = u128::from(self.w0) + u128::from(other.w0);
        self.w0 = sum as u64;
        let sum = u128::from(self.w1) + u128::from(other.w1) + (sum >> 64);
        self.w1 = sum as u64;
        self.w2 += other.w2 + (sum >> 64) as u64;
    }

    /// Returns the low word and shifts the accumulator down by one word.
    #[inline(always)]
    fn take_word(&mut self) -> u64 {
        let word = self.w0;
        self.w0 = self.w1;
        self.w1 = self.w2;
        self.w2 = 0;
        word
    }
}

/// Reads big-endian bytes into little-endian limbs, or returns `None` when they do not fit.
fn from_be_bytes<const N: usize>(bytes: &[u8]) -> Option<[u64; N]> {
    if bytes.len() > N * 8 {
        return None;
    }
    let mut limbs = [0u64; N];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.rchunks(8)) {
        *limb = chunk
            .iter()
            .fold(0, |acc, &byte| (acc << 8) | u64::from(byte));
    }
    Some(limbs)
}

fn less_than<const N: usize>(a: &[u64; N], b: &[u64; N]) -> bool {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// Sets `a = a - b mod 2^(64N)` and returns the borrow.
fn subtract_assign<const N: usize>(a: &mut [u64; N], b: &[u64; N]) -> bool {
    let mut borrow = false;
    for (x, &y) in a.iter_mut().zip(b) {
        let (difference, borrow_1) = x.overflowing_sub(y);
        let (difference, borrow_2) = difference.overflowing_sub(u64::from(borrow));
        *x = difference;
        borrow = borrow_1 | borrow_2;
    }
    borrow
}

/// Sets `a = 2a mod n` for `a < n`.
fn double_mod<const N: usize>(a: &mut [u64; N], n: &[u64; N]) {
    let mut carry = 0;
    for limb in a.iter_mut() {
        let next = *limb >> 63;
        *limb = (*limb << 1) | carry;
        carry = next;
    }
    if carry == 1 || !less_than(a, n) {
        subtract_assign(a, n);
    }
}

/// Returns `x^-1 mod 2^64` for odd `x` by Newton's iteration: each step doubles the number
/// of correct low bits, starting from 3 (`x·x ≡ 1 mod 8` for every odd `x`).
fn inverse_mod_word(x: u64) -> u64 {
    let mut inverse = x;
    for _ in 0..5 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inverse)));
    }
    inverse
}

/// Returns `R^2 mod n` for the `bits`-bit odd modulus `n`, with `R = 2^(64N)`.
///
/// Doubling `2^(bits-1)`, which is below `n`, gives `2^(64N + t) mod n`: the Montgomery form
/// of `2^t`. Each Montgomery squaring then doubles the exponent `t`, and `k` squarings with
/// `t·2^k = 64N` end at the Montgomery form of `R`, which is `R^2 mod n`. At 2048 bits a
/// doubling costs about 1/80 of a squaring in executed instructions (`benches/callgrind.sh
/// prepare`), and keeping `t` between 64 and 128 minimizes the total.
fn r_squared_mod<const N: usize>(
    n: &[u64; N],
    n_reversed: &[u64; N],
    n0_inverse: u64,
    bits: usize,
) -> [u64; N] {
    let mut t = N * 64;
    let mut squarings = 0;
    while t.is_multiple_of(2) && t > 128 {
        t /= 2;
        squarings += 1;
    }

    let mut x = [0u64; N];
    x[(bits - 1) / 64] = 1 << ((bits - 1) % 64);
    for _ in 0..(N * 64 + t + 1 - bits) {
        double_mod(&mut x, n);
    }

    let params = Params {
        n,
        n_reversed,
        r_squared: &[0; N],
        n0_inverse,
    };
    for _ in 0..squarings {
        x = params.square(&x);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Returns an odd number of exactly `bits` bits as big-endian bytes.
        fn odd_modulus(&mut self, bits: usize) -> Vec<u8> {
            let mut bytes: Vec<u8> = (0..bits.div_ceil(8)).map(|_| self.next() as u8).collect();
            let top_bits = bits - (bytes.len() - 1) * 8;
            bytes[0] &= (0xFFu16 >> (8 - top_bits)) as u8;
            bytes[0] |= 1 << (top_bits - 1);
            *bytes.last_mut().expect("not empty") |= 1;
            bytes
        }

        /// Returns a number below `modulus`, as long as `modulus`, big-endian.
        fn below(&mut self, modulus: &[u8]) -> Vec<u8> {
            let mut bytes: Vec<u8> = modulus.iter().map(|_| self.next() as u8).collect();
            bytes[0] %= modulus[0];
            bytes
        }
    }

    /// Slow reference arithmetic on little-endian `u64` vectors: schoolbook products and
    /// bit-by-bit remainders, written for clarity only.
    mod reference {
        use alloc::vec;
        use alloc::vec::Vec;

        pub(super) fn from_be(bytes: &[u8]) -> Vec<u64> {
            bytes
                .rchunks(8)
                .map(|chunk| chunk.iter().fold(0, |acc, &b| (acc << 8) | u64::from(b)))
                .collect()
        }

        fn bit(x: &[u64], i: usize) -> bool {
            x.get(i / 64)
                .is_some_and(|limb| (limb >> (i % 64)) & 1 == 1)
        }

        fn geq(a: &[u64], b: &[u64]) -> bool {
            let len = a.len().max(b.len());
            for i in (0..len).rev() {
                let (x, y) = (
                    a.get(i).copied().unwrap_or(0),
                    b.get(i).copied().unwrap_or(0),
                );
                if x != y {
                    return x > y;
                }
            }
            true
        }

        fn sub(a: &mut [u64], b: &[u64]) {
            let mut borrow = 0u64;
            for (i, x) in a.iter_mut().enumerate() {
                let y = b.get(i).copied().unwrap_or(0);
                let (d1, b1) = x.overflowing_sub(y);
                let (d2, b2) = d1.overflowing_sub(borrow);
                *x = d2;
                borrow = u64::from(b1 | b2);
            }
            assert_eq!(borrow, 0);
        }

        /// Returns `x mod n`, shifting in one bit of `x` at a time.
        pub(super) fn rem(x: &[u64], n: &[u64]) -> Vec<u64> {
            let mut r = vec![0u64; n.len() + 1];
            for i in (0..x.len() * 64).rev() {
                let mut carry = u64::from(bit(x, i));
                for limb in r.iter_mut() {
                    let next = *limb >> 63;
                    *limb = (*limb << 1) | carry;
                    carry = next;
                }
                if geq(&r, n) {
                    sub(&mut r, n);
                }
            }
            r.truncate(n.len());
            r
        }

        pub(super) fn mul(a: &[u64], b: &[u64]) -> Vec<u64> {
            let mut out = vec![0u64; a.len() + b.len()];
            for (i, &x) in a.iter().enumerate() {
                let mut carry = 0u128;
                for (j, &y) in b.iter().enumerate() {
                    let t = u128::from(out[i + j]) + u128::from(x) * u128::from(y) + carry;
                    out[i + j] = t as u64;
                    carry = t >> 64;
                }
                out[i + b.len()] = carry as u64;
            }
            out
        }

        pub(super) fn pow(base: &[u64], exponent: u64, n: &[u64]) -> Vec<u64> {
            let mut result = rem(&[1], n);
            for i in (0..64 - exponent.leading_zeros()).rev() {
                result = rem(&mul(&result, &result), n);
                if (exponent >> i) & 1 == 1 {
                    result = rem(&mul(&result, base), n);
                }
            }
            result
        }
    }

    fn padded<const N: usize>(limbs: &[u64]) -> [u64; N] {
        let mut out = [0u64; N];
        out[..limbs.len()].copy_from_slice(limbs);
        out
    }

    fn to_be(limbs: &[u64], len: usize) -> Vec<u8> {
        let bytes: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        let (zeros, tail) = bytes.split_at(bytes.len() - len);
        assert!(zeros.iter().all(|&b| b == 0));
        tail.to_vec()
    }

    fn check_width<const N: usize>(bits: usize, rng: &mut Rng, exponents: &[u64]) {
        let modulus_bytes = rng.odd_modulus(bits);
        let modulus = Modulus::new(&modulus_bytes).expect("valid modulus");
        assert_eq!(modulus.width, N, "{bits} bits");
        let params = modulus.params::<N>().expect("width matches");
        let n = reference::from_be(&modulus_bytes);

        // n0_inverse and R^2 mod n.
        assert_eq!(
            n[0].wrapping_mul(params.n0_inverse),
            u64::MAX,
            "{bits} bits"
        );
        let mut r_squared = vec![0u64; 2 * N];
        r_squared.push(1);
        assert_eq!(
            params.r_squared[..],
            padded::<N>(&reference::rem(&r_squared, &n))[..],
            "R^2 mod n, {bits} bits"
        );

        // Products, squares and powers against the reference.
        let mut r = vec![0u64; N];
        r.push(1);
        let r_mod_n = reference::rem(&r, &n);
        for _ in 0..3 {
            let a_bytes = rng.below(&modulus_bytes);
            let b_bytes = rng.below(&modulus_bytes);
            let a: [u64; N] = from_be_bytes(&a_bytes).expect("fits");
            let b: [u64; N] = from_be_bytes(&b_bytes).expect("fits");
            // multiply(a·R, b) = a·b mod n.
            let a_mont = padded::<N>(&reference::rem(&reference::mul(&a, &r_mod_n), &n));
            let expected = reference::rem(&reference::mul(&a, &b), &n);
            assert_eq!(
                params.multiply(&a_mont, &b)[..],
                padded::<N>(&expected)[..],
                "product, {bits} bits"
            );
            assert_eq!(
                params.square(&a)[..],
                params.multiply(&a, &a)[..],
                "square, {bits} bits"
            );
            for &exponent in exponents {
                let expected = reference::pow(&a, exponent, &n);
                assert_eq!(
                    params.power(&a, exponent)[..],
                    padded::<N>(&expected)[..],
                    "power {exponent}, {bits} bits"
                );
                let expected_bytes = to_be(&padded::<N>(&expected), modulus_bytes.len());
                assert!(modulus.power_equals(&a_bytes, exponent, &expected_bytes));
            }
        }
    }

    #[test]
    fn matches_reference_at_every_width() {
        let mut rng = Rng(1);
        check_width::<32>(2048, &mut rng, &[3, 65537, 0x1_FFFF_FFFF, 1, 2, 0]);
        check_width::<32>(1025, &mut rng, &[65537]);
        check_width::<48>(2049, &mut rng, &[65537]);
        check_width::<48>(3072, &mut rng, &[3, 65537]);
        check_width::<64>(4095, &mut rng, &[65537]);
        check_width::<96>(6144, &mut rng, &[3]);
        check_width::<128>(8192, &mut rng, &[3]);
    }

    #[test]
    fn products_near_the_modulus() {
        // All-ones limbs drive every accumulator and carry to its maximum.
        let modulus_bytes = [0xFF; 256];
        let modulus = Modulus::new(&modulus_bytes).expect("odd");
        let params = modulus.params::<32>().expect("2048 bits");
        let n = reference::from_be(&modulus_bytes);
        let mut below = *params.n;
        below[0] -= 1;
        let expected = reference::rem(&reference::mul(&below, &below), &n);
        let mut r = vec![0u64; 32];
        r.push(1);
        let below_mont = padded::<32>(&reference::rem(
            &reference::mul(&below, &reference::rem(&r, &n)),
            &n,
        ));
        assert_eq!(params.multiply(&below_mont, &below)[..], expected[..]);
    }

    #[test]
    fn rejects_base_not_below_modulus() {
        let mut rng = Rng(2);
        let modulus_bytes = rng.odd_modulus(2048);
        let modulus = Modulus::new(&modulus_bytes).expect("valid modulus");
        let mut one = vec![0u8; modulus_bytes.len()];
        *one.last_mut().expect("not empty") = 1;
        assert!(modulus.power_equals(&one, 65537, &one));
        // (n + 1)^e ≡ 1 (mod n), but a base at or above n is out of range. The modulus is odd,
        // so adding 1 changes only its last byte.
        let mut n_plus_one = modulus_bytes.clone();
        *n_plus_one.last_mut().expect("not empty") += 1;
        assert!(!modulus.power_equals(&n_plus_one, 65537, &one));
        let zero = vec![0u8; modulus_bytes.len()];
        assert!(!modulus.power_equals(&modulus_bytes, 65537, &zero));
    }

    #[test]
    fn rejects_unusable_moduli() {
        assert!(Modulus::new(&[]).is_none());
        assert!(Modulus::new(&[0, 1]).is_none());
        assert!(Modulus::new(&[1, 2]).is_none());
        assert!(Modulus::new(&[0xFF; MAX_MODULUS_BYTES + 1]).is_none());
        assert!(Modulus::new(&[0xFF; MAX_MODULUS_BYTES]).is_some());
    }

    #[test]
    fn inverse_mod_word_inverts() {
        let mut rng = Rng(3);
        for _ in 0..1000 {
            let x = rng.next() | 1;
            assert_eq!(x.wrapping_mul(inverse_mod_word(x)), 1);
        }
    }
}

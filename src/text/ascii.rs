//! Word segmentation of text the Unicode segmenter would treat as ASCII (UAX #29 restricted
//! to ASCII, every other byte breaking), 64 bytes at a time: a bit mask of the word bytes of
//! a block is built eight bytes per step, and words are read off it with bit scans.

/// Byte classes of ASCII (zero for every other byte), for the joins at the end of a run.
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const MID_LETTER: u8 = 4; // `:` `.` `'` join two letters (WB6/7)
const MID_NUMBER: u8 = 8; // `.` `'` `,` `;` join two digits (WB11/12)

const CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        classes[b] = if c.is_ascii_alphabetic() {
            LETTER
        } else if c.is_ascii_digit() {
            DIGIT
        } else {
            match c {
                b':' => MID_LETTER,
                b'.' | b'\'' => MID_LETTER | MID_NUMBER,
                b',' | b';' => MID_NUMBER,
                _ => 0,
            }
        };
        b += 1;
    }
    classes
};

/// Bytes per block of the word mask.
const BLOCK: usize = 64;

/// The words of one stretch of text, `text[position..end]`: letters, digits and `_` join;
/// `:` `.` `'` join two letters (WB6/7); `.` `'` `,` `;` join two digits (WB11/12);
/// segments without a letter or digit are dropped, as `unicode_words()` does; every other
/// byte, non-ASCII ones included, breaks.
pub(super) struct AsciiWords<'a> {
    text: &'a str,
    /// The stretch's bytes and all before it: `text.as_bytes()[..end]`.
    bytes: &'a [u8],
    /// Next byte to read.
    position: usize,
    /// Start of the block `word_bits` describes (`usize::MAX` before the first).
    block: usize,
    /// Bit i set where byte `block + i` is a letter, digit or `_` (clear past the end).
    word_bits: u64,
}

impl<'a> AsciiWords<'a> {
    /// The words of `text[start..end]`; both must be character boundaries and no word may
    /// continue across either.
    pub(super) fn new(text: &'a str, start: usize, end: usize) -> Self {
        Self {
            text,
            bytes: &text.as_bytes()[..end],
            position: start,
            block: usize::MAX,
            word_bits: 0,
        }
    }

    /// Where reading stopped: the end of the stretch once every word is read.
    pub(super) fn position(&self) -> usize {
        self.position
    }

    /// The next word, or `None` at the end of the stretch.
    #[inline(always)]
    pub(super) fn next_word(&mut self) -> Option<&'a str> {
        loop {
            let (start, offset) = self.next_word_byte(self.position)?;
            // Most words end in the block they start in.
            let gaps = !self.word_bits >> offset;
            let mut end = if gaps != 0 {
                start + gaps.trailing_zeros() as usize
            } else {
                self.next_other_byte(self.block + BLOCK)
            };
            while let Some(&[before, here, after]) = self.bytes.get(end.wrapping_sub(1)..end + 2) {
                if !joins(before, here, after) {
                    break;
                }
                end = self.next_other_byte(end + 2);
            }
            self.position = end;
            // Only a segment of `_` alone has neither letter nor digit (a join needs them).
            let segment = &self.bytes[start..end];
            if segment[0] != b'_' || segment.iter().any(|b| *b != b'_') {
                return Some(&self.text[start..end]);
            }
        }
    }

    /// The first word byte at or after `from` and its offset in the block, if any before the
    /// end.
    #[inline]
    fn next_word_byte(&mut self, mut from: usize) -> Option<(usize, usize)> {
        loop {
            if from >= self.bytes.len() {
                self.position = self.bytes.len();
                return None;
            }
            let offset = self.offset_in_block(from);
            let ahead = self.word_bits >> offset;
            if ahead != 0 {
                let skipped = ahead.trailing_zeros() as usize;
                return Some((from + skipped, offset + skipped));
            }
            from = self.block + BLOCK;
        }
    }

    /// The first byte at or after `from` that is not a word byte (the end when there is none).
    #[inline]
    fn next_other_byte(&mut self, mut from: usize) -> usize {
        loop {
            if from >= self.bytes.len() {
                return self.bytes.len();
            }
            let offset = self.offset_in_block(from);
            let ahead = !self.word_bits >> offset;
            if ahead != 0 {
                return from + ahead.trailing_zeros() as usize;
            }
            from = self.block + BLOCK;
        }
    }

    /// The offset of `at` in the current block, after moving the block to start at `at` if
    /// it is outside.
    #[inline]
    fn offset_in_block(&mut self, at: usize) -> usize {
        match at.checked_sub(self.block) {
            Some(offset) if offset < BLOCK => offset,
            _ => {
                self.block = at;
                self.word_bits = word_bits(&self.bytes[at..]);
                0
            }
        }
    }
}

/// Whether `here` joins the letters or digits on either side of it (WB6/7, WB11/12).
#[inline]
fn joins(before: u8, here: u8, after: u8) -> bool {
    let class = |b: u8| CLASSES[usize::from(b)];
    let (before, here, after) = (class(before), class(here), class(after));
    (before & after & LETTER != 0 && here & MID_LETTER != 0)
        || (before & after & DIGIT != 0 && here & MID_NUMBER != 0)
}

/// Bit i set where `bytes[i]` (i < 64) is a letter, digit or `_`.
fn word_bits(bytes: &[u8]) -> u64 {
    let mut padded = [0u8; BLOCK];
    let block = match bytes.get(..BLOCK) {
        Some(block) => block,
        None => {
            padded[..bytes.len()].copy_from_slice(bytes);
            &padded
        }
    };
    block
        .chunks_exact(8)
        .enumerate()
        .fold(0, |bits, (k, chunk)| {
            let chunk = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            bits | gather_high_bits(word_bytes(chunk)) << (8 * k)
        })
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// Bit 7 of each byte of the result is set where that byte of `chunk` is a letter, digit or
/// `_` (SWAR: range checks on all eight bytes at once, on their low seven bits so that no sum
/// carries into the next byte; a byte with bit 7 set is not ASCII, so it is not a word byte).
#[inline]
fn word_bytes(chunk: u64) -> u64 {
    const fn each(byte: u8) -> u64 {
        ONES * byte as u64
    }
    let low = chunk & !HIGH;
    // Bit 7 of `x + each(0x80 - lo)` is set where the byte of x is >= lo, of
    // `x + each(0x7f - hi)` where it is > hi.
    let within = |x: u64, lo: u8, hi: u8| (x + each(0x80 - lo)) & !(x + each(0x7f - hi));
    let letter = within(low | each(0x20), b'a', b'z'); // A-Z folded onto a-z
    let digit = within(low, b'0', b'9');
    let underscore = within(low ^ each(b'_'), 0, 0);
    (letter | digit | underscore) & !chunk & HIGH
}

/// Bit k of the result is bit 7 of byte k of `high_bits` (which has no other bit set): one
/// multiplication moves the eight bits, each to its own place, into the top byte.
#[inline]
fn gather_high_bits(high_bits: u64) -> u64 {
    (high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_bits_mark_letters_digits_and_underscores() {
        let text = "ab Z_9:.£x";
        let bits = word_bits(text.as_bytes());
        let expected = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_alphanumeric() || *b == b'_')
            .fold(0u64, |bits, (i, _)| bits | 1 << i);
        assert_eq!(bits, expected);
        let long: Vec<u8> = (0..=255u8).collect();
        for start in (0..256).step_by(64) {
            let bits = word_bits(&long[start..]);
            for (i, b) in long[start..start + 64].iter().enumerate() {
                let word = b.is_ascii_alphanumeric() || *b == b'_';
                assert_eq!(bits >> i & 1 == 1, word, "byte {b:#x}");
            }
        }
    }
}

//! Sorting the column occurrences of one document, the one sort on the request path.

/// Sorts `columns`, all below `limit`, like `sort_unstable` (the result is the same: they
/// are plain integers) but in linear time: a least-significant-byte radix sort, `spare`
/// being the other buffer. Short inputs go to `sort_unstable`.
pub(super) fn radix_sort(columns: &mut Vec<u32>, spare: &mut Vec<u32>, limit: usize) {
    if columns.len() < 64 {
        columns.sort_unstable();
        return;
    }
    let bits = usize::BITS - limit.saturating_sub(1).leading_zeros();
    spare.clear();
    spare.resize(columns.len(), 0);
    for shift in (0..bits).step_by(8) {
        let digit = |column: u32| (column >> shift) as usize & 0xff;
        let mut starts = [0usize; 256];
        for column in columns.iter() {
            starts[digit(*column)] += 1;
        }
        let mut total = 0;
        for start in starts.iter_mut() {
            (*start, total) = (total, total + *start);
        }
        for column in columns.iter() {
            let slot = &mut starts[digit(*column)];
            spare[*slot] = *column;
            *slot += 1;
        }
        std::mem::swap(columns, spare);
    }
}

#[cfg(test)]
mod tests {
    use super::radix_sort;

    #[test]
    fn radix_sort_sorts_like_sort_unstable() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut spare = Vec::new();
        for (length, limit) in [
            (0, 1),
            (10, 50),
            (500, 300),
            (700, 30_000),
            (3_000, 1 << 20),
        ] {
            let mut columns: Vec<u32> = (0..length).map(|_| rng.gen_range(0..limit)).collect();
            let mut expected = columns.clone();
            expected.sort_unstable();
            radix_sort(&mut columns, &mut spare, limit as usize);
            assert_eq!(columns, expected);
        }
    }
}

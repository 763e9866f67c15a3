//! Packing model inputs into rows of the model window. Several short sentence windows share a
//! row; each one attends only to itself and numbers its positions from its own start, so a row
//! computes what each input would compute alone, while the padding that one-input-per-row
//! batches carry (half the positions on typical news text) nearly vanishes.

/// One row of a packed batch: the inputs it holds, each with its first position in the row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    /// `(input index, offset)` pairs, in the order the inputs were placed.
    pub items: Vec<(usize, usize)>,
    /// Positions used.
    pub len: usize,
}

/// Packs inputs of `lengths` positions into rows of at most `width` positions, best fit in
/// decreasing length order. Every input lands in exactly one row; an input longer than `width`
/// gets a row of its own (callers never make one). Rows come out fullest first.
pub fn pack(lengths: &[usize], width: usize) -> Vec<Row> {
    let width = width.max(1);
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
    let mut rows: Vec<Row> = Vec::new();
    // open rows by free positions: by_free[f] lists the rows with exactly f positions left
    let mut by_free: Vec<Vec<usize>> = vec![Vec::new(); width + 1];
    for i in order {
        let len = lengths[i];
        if len == 0 {
            continue;
        }
        let fit = (len..=width).find(|&f| !by_free[f].is_empty());
        let row = match fit.and_then(|f| by_free[f].pop()) {
            Some(r) => r,
            None => {
                rows.push(Row::default());
                rows.len() - 1
            }
        };
        let r = &mut rows[row];
        r.items.push((i, r.len));
        r.len += len;
        if r.len < width {
            by_free[width - r.len].push(row);
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.len));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lengths: &[usize], width: usize) -> Vec<Row> {
        let rows = pack(lengths, width);
        let mut seen = vec![0; lengths.len()];
        for r in &rows {
            let mut end = 0;
            for &(i, offset) in &r.items {
                assert_eq!(offset, end, "inputs are laid end to end: {r:?}");
                end += lengths[i];
                seen[i] += 1;
            }
            assert_eq!(end, r.len);
            assert!(r.len <= width || r.items.len() == 1, "{r:?}");
        }
        for (i, &n) in seen.iter().enumerate() {
            assert_eq!(n, usize::from(lengths[i] > 0), "input {i} placed {n} times");
        }
        rows
    }

    #[test]
    fn every_input_is_placed_once_and_rows_are_nearly_full() {
        let lengths: Vec<usize> = (0..500).map(|i| 3 + (i * 37) % 120).collect();
        let rows = check(&lengths, 128);
        let total: usize = lengths.iter().sum();
        let lower_bound = total.div_ceil(128);
        assert!(rows.len() <= lower_bound + lower_bound / 20 + 1, "{} rows for a bound of {lower_bound}", rows.len());
        assert!(rows.windows(2).all(|p| p[0].len >= p[1].len));
    }

    #[test]
    fn small_and_odd_cases() {
        assert!(pack(&[], 128).is_empty());
        assert_eq!(check(&[5], 128), vec![Row { items: vec![(0, 0)], len: 5 }]);
        assert_eq!(check(&[128, 128], 128).len(), 2);
        assert_eq!(check(&[60, 70, 58], 128).len(), 2);
        check(&[0, 3, 0], 8);
        check(&[200, 4], 128);
    }
}

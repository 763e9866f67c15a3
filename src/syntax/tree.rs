//! Decoding dependency trees from arc scores.
//!
//! [`decode_mst`] finds the highest-scoring tree in which exactly one word hangs from the root,
//! with the Chu-Liu/Edmonds maximum spanning arborescence algorithm. The single-root constraint
//! is exact: every arc from the root gets a penalty larger than any possible difference between
//! the other arcs of two trees, so the best arborescence uses one root arc whenever it can, which
//! is always (Gabow & Tarjan's observation; see also Zmigrod et al. 2020, "Please Mind the Root").

use ndarray::Array2;

/// Heads of the highest-scoring dependency tree with a single root child.
///
/// `scores` has shape `[n + 1, n + 1]`; `scores[[dep, head]]` is the score of word `dep`
/// (`1..=n`) taking `head` (`0` = root, `1..=n`) as its head. Row 0 and the diagonal are
/// ignored. The result has length `n`: `heads[i]` is the head of word `i + 1`.
///
/// NaN counts as minus infinity. Infinite scores are allowed: minus infinity marks an arc to
/// use only when nothing else is possible, plus infinity an arc to prefer above all finite ones.
/// The result is always a valid tree (see [`is_valid_tree`]). A non-square matrix is read as
/// its top-left square part.
pub fn decode_mst(scores: &Array2<f32>) -> Vec<usize> {
    let (rows, cols) = scores.dim();
    let nodes = rows.min(cols);
    let n = nodes.saturating_sub(1);
    match n {
        0 => return Vec::new(),
        1 => return vec![0],
        _ => {}
    }
    let weights = finite_weights(scores, nodes);
    let heads = maximum_arborescence(weights, nodes);
    heads[1..].to_vec()
}

/// Whether `heads` (head of word `i + 1` at index `i`, 0 = root) is a tree: every head is in
/// range, no word is its own head, exactly one word hangs from the root, and every word
/// reaches the root. An empty sentence is a valid (empty) tree.
pub fn is_valid_tree(heads: &[usize]) -> bool {
    let n = heads.len();
    if n == 0 {
        return true;
    }
    if heads.iter().filter(|&&head| head == 0).count() != 1 {
        return false;
    }
    if heads
        .iter()
        .enumerate()
        .any(|(index, &head)| head > n || head == index + 1)
    {
        return false;
    }
    // 0 = unvisited, 1 = on the current path, 2 = known to reach the root.
    let mut state = vec![0u8; n + 1];
    state[0] = 2;
    for start in 1..=n {
        let mut path = Vec::new();
        let mut node = start;
        while state[node] == 0 {
            state[node] = 1;
            path.push(node);
            node = heads[node - 1];
        }
        if state[node] == 1 {
            return false;
        }
        for visited in path {
            state[visited] = 2;
        }
    }
    true
}

/// Square matrix of finite f64 weights, `weights[dep * nodes + head]`, with the root penalty
/// applied to column 0 and self loops removed (set to minus infinity, never chosen).
fn finite_weights(scores: &Array2<f32>, nodes: usize) -> Vec<f64> {
    let n = nodes - 1;
    let mut low = f64::INFINITY;
    let mut high = f64::NEG_INFINITY;
    for dep in 1..nodes {
        for head in 0..nodes {
            let value = f64::from(scores[[dep, head]]);
            if head != dep && value.is_finite() {
                low = low.min(value);
                high = high.max(value);
            }
        }
    }
    if low > high {
        low = 0.0;
        high = 0.0;
    }
    // Non-finite scores become finite values beyond the reach of any sum of finite ones.
    let finite_spread = high - low + 1.0;
    let margin = finite_spread * (n as f64 + 1.0);
    let very_low = low - margin;
    let very_high = high + margin;
    // Any difference between two trees' non-root arcs is below n * spread.
    let spread = very_high - very_low + 1.0;
    let root_penalty = spread * (n as f64 + 1.0);

    let mut weights = vec![f64::NEG_INFINITY; nodes * nodes];
    for dep in 1..nodes {
        for head in 0..nodes {
            if head == dep {
                continue;
            }
            let value = f64::from(scores[[dep, head]]);
            let value = if value.is_nan() || value == f64::NEG_INFINITY {
                very_low
            } else if value == f64::INFINITY {
                very_high
            } else {
                value
            };
            weights[dep * nodes + head] = if head == 0 {
                value - root_penalty
            } else {
                value
            };
        }
    }
    weights
}

/// What is needed to undo one contraction of a cycle.
struct Contraction {
    /// Number of nodes before the contraction.
    nodes: usize,
    /// Cycle members and their head inside the cycle (old indices).
    cycle: Vec<(usize, usize)>,
    /// New index -> old index for nodes outside the cycle (the cycle node is the last index).
    new_to_old: Vec<usize>,
    /// For each new head outside the cycle: the cycle member that best enters from it.
    entering_member: Vec<usize>,
    /// For each new dependent outside the cycle: the cycle member that is its best head.
    leaving_member: Vec<usize>,
}

/// Chu-Liu/Edmonds on a dense matrix (`weights[dep * nodes + head]`, node 0 the root, all
/// arcs into non-root nodes from other nodes finite except self loops). Returns the head of every
/// node (index 0 unused).
fn maximum_arborescence(mut weights: Vec<f64>, mut nodes: usize) -> Vec<usize> {
    let mut contractions: Vec<Contraction> = Vec::new();
    let mut heads;
    loop {
        heads = best_heads(&weights, nodes);
        let Some(cycle) = find_cycle(&heads) else {
            break;
        };
        let (contraction, contracted) = contract(&weights, nodes, &heads, &cycle);
        weights = contracted;
        nodes = contraction.new_to_old.len() + 1;
        contractions.push(contraction);
    }
    while let Some(contraction) = contractions.pop() {
        heads = expand(&contraction, &heads);
    }
    heads
}

fn best_heads(weights: &[f64], nodes: usize) -> Vec<usize> {
    let mut heads = vec![0; nodes];
    for (dep, head_slot) in heads.iter_mut().enumerate().skip(1) {
        let row = &weights[dep * nodes..(dep + 1) * nodes];
        // The root is always a finite candidate for every dependent.
        let mut best = 0;
        for (head, &weight) in row.iter().enumerate() {
            if head != dep && weight > row[best] {
                best = head;
            }
        }
        *head_slot = best;
    }
    heads
}

/// A cycle in the head graph, as its member nodes, if there is one.
fn find_cycle(heads: &[usize]) -> Option<Vec<usize>> {
    let nodes = heads.len();
    // 0 = unvisited, otherwise 1 + the start node of the walk that visited it.
    let mut seen_from = vec![0usize; nodes];
    seen_from[0] = usize::MAX;
    for start in 1..nodes {
        let mut node = start;
        while seen_from[node] == 0 {
            seen_from[node] = start + 1;
            node = heads[node];
        }
        if seen_from[node] == start + 1 {
            let mut cycle = vec![node];
            let mut member = heads[node];
            while member != node {
                cycle.push(member);
                member = heads[member];
            }
            return Some(cycle);
        }
    }
    None
}

fn contract(
    weights: &[f64],
    nodes: usize,
    heads: &[usize],
    cycle: &[usize],
) -> (Contraction, Vec<f64>) {
    let mut in_cycle = vec![false; nodes];
    for &member in cycle {
        in_cycle[member] = true;
    }
    let new_to_old: Vec<usize> = (0..nodes).filter(|&old| !in_cycle[old]).collect();
    let cycle_node = new_to_old.len();
    let new_nodes = cycle_node + 1;
    let mut contracted = vec![f64::NEG_INFINITY; new_nodes * new_nodes];
    let mut entering_member = vec![usize::MAX; cycle_node];
    let mut leaving_member = vec![usize::MAX; cycle_node];

    for (new_dep, &old_dep) in new_to_old.iter().enumerate().skip(1) {
        let row = &weights[old_dep * nodes..(old_dep + 1) * nodes];
        for (new_head, &old_head) in new_to_old.iter().enumerate() {
            contracted[new_dep * new_nodes + new_head] = row[old_head];
        }
        // Best arc from the cycle to this node.
        let mut best = f64::NEG_INFINITY;
        for &member in cycle {
            if row[member] > best || leaving_member[new_dep] == usize::MAX {
                best = row[member];
                leaving_member[new_dep] = member;
            }
        }
        contracted[new_dep * new_nodes + cycle_node] = best;
    }
    // Best arc into the cycle from each outside node: the gain over the cycle arc it replaces.
    for (new_head, &old_head) in new_to_old.iter().enumerate() {
        let mut best = f64::NEG_INFINITY;
        for &member in cycle {
            let gain = weights[member * nodes + old_head] - weights[member * nodes + heads[member]];
            if gain > best || entering_member[new_head] == usize::MAX {
                best = gain;
                entering_member[new_head] = member;
            }
        }
        contracted[cycle_node * new_nodes + new_head] = best;
    }
    let contraction = Contraction {
        nodes,
        cycle: cycle
            .iter()
            .map(|&member| (member, heads[member]))
            .collect(),
        new_to_old,
        entering_member,
        leaving_member,
    };
    (contraction, contracted)
}

fn expand(contraction: &Contraction, contracted_heads: &[usize]) -> Vec<usize> {
    let cycle_node = contraction.new_to_old.len();
    let mut heads = vec![0; contraction.nodes];
    for (new, &old) in contraction.new_to_old.iter().enumerate().skip(1) {
        let new_head = contracted_heads[new];
        heads[old] = if new_head == cycle_node {
            contraction.leaving_member[new]
        } else {
            contraction.new_to_old[new_head]
        };
    }
    for &(member, cycle_head) in &contraction.cycle {
        heads[member] = cycle_head;
    }
    let entering_head = contracted_heads[cycle_node];
    let entered = contraction.entering_member[entering_head];
    heads[entered] = contraction.new_to_old[entering_head];
    heads
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small deterministic generator (xorshift) so the tests need no extra crate.
    struct Random(u64);

    impl Random {
        fn next_f32(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 20.0 - 10.0
        }

        fn matrix(&mut self, n: usize) -> Array2<f32> {
            Array2::from_shape_fn((n + 1, n + 1), |_| self.next_f32())
        }
    }

    fn tree_score(scores: &Array2<f32>, heads: &[usize]) -> f64 {
        heads
            .iter()
            .enumerate()
            .map(|(index, &head)| f64::from(scores[[index + 1, head]]))
            .sum()
    }

    /// Best single-root tree score by enumerating every head assignment.
    fn brute_force_best(scores: &Array2<f32>) -> f64 {
        let n = scores.nrows() - 1;
        let mut heads = vec![0usize; n];
        let mut best = f64::NEG_INFINITY;
        loop {
            if is_valid_tree(&heads) {
                best = best.max(tree_score(scores, &heads));
            }
            let mut position = 0;
            loop {
                if position == n {
                    return best;
                }
                heads[position] += 1;
                if heads[position] <= n {
                    break;
                }
                heads[position] = 0;
                position += 1;
            }
        }
    }

    #[test]
    fn trivial_sizes() {
        assert_eq!(decode_mst(&Array2::zeros((0, 0))), Vec::<usize>::new());
        assert_eq!(decode_mst(&Array2::zeros((1, 1))), Vec::<usize>::new());
        assert_eq!(decode_mst(&Array2::zeros((2, 2))), vec![0]);
        assert!(is_valid_tree(&decode_mst(&Array2::zeros((3, 5)))));
        assert_eq!(decode_mst(&Array2::zeros((3, 5))).len(), 2);
    }

    #[test]
    fn follows_clear_preferences() {
        // "Ana compró pan": compró is the root, Ana and pan depend on it.
        let mut scores = Array2::from_elem((4, 4), -5.0f32);
        scores[[2, 0]] = 10.0;
        scores[[1, 2]] = 8.0;
        scores[[3, 2]] = 7.0;
        assert_eq!(decode_mst(&scores), vec![2, 0, 2]);
    }

    #[test]
    fn keeps_a_single_root_when_all_prefer_the_root() {
        let mut scores = Array2::from_elem((4, 4), 0.0f32);
        for dep in 1..4 {
            scores[[dep, 0]] = 5.0;
        }
        scores[[2, 0]] = 6.0;
        let heads = decode_mst(&scores);
        assert!(is_valid_tree(&heads));
        assert_eq!(heads.iter().filter(|&&head| head == 0).count(), 1);
        assert_eq!(heads[1], 0);
    }

    #[test]
    fn random_matrices_give_valid_trees() {
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        for n in 1..=40 {
            for _ in 0..5 {
                let heads = decode_mst(&random.matrix(n));
                assert_eq!(heads.len(), n);
                assert!(is_valid_tree(&heads), "n = {n}: {heads:?}");
            }
        }
    }

    #[test]
    fn matches_brute_force_on_small_sentences() {
        let mut random = Random(12345);
        for n in 1..=6 {
            let trials = if n <= 4 { 60 } else { 12 };
            for _ in 0..trials {
                let scores = random.matrix(n);
                let heads = decode_mst(&scores);
                assert!(is_valid_tree(&heads));
                let found = tree_score(&scores, &heads);
                let best = brute_force_best(&scores);
                assert!(
                    (found - best).abs() < 1e-4,
                    "n = {n}: found {found}, best {best}"
                );
            }
        }
    }

    #[test]
    fn non_finite_scores_still_give_trees() {
        let mut random = Random(777);
        for n in 1..=12 {
            let mut scores = random.matrix(n);
            for (index, value) in scores.iter_mut().enumerate() {
                match index % 5 {
                    0 => *value = f32::NAN,
                    1 => *value = f32::NEG_INFINITY,
                    2 if index % 3 == 0 => *value = f32::INFINITY,
                    _ => {}
                }
            }
            assert!(is_valid_tree(&decode_mst(&scores)), "n = {n}");
            let all_nan = Array2::from_elem((n + 1, n + 1), f32::NAN);
            assert!(is_valid_tree(&decode_mst(&all_nan)));
            let all_low = Array2::from_elem((n + 1, n + 1), f32::NEG_INFINITY);
            assert!(is_valid_tree(&decode_mst(&all_low)));
            let huge = Array2::from_shape_fn((n + 1, n + 1), |(d, h)| {
                if (d + h) % 2 == 0 {
                    f32::MAX
                } else {
                    f32::MIN
                }
            });
            assert!(is_valid_tree(&decode_mst(&huge)));
        }
    }

    #[test]
    fn infinite_arcs_are_preferred_or_avoided() {
        let mut scores = Array2::from_elem((4, 4), 1.0f32);
        scores[[3, 1]] = f32::INFINITY;
        scores[[1, 0]] = f32::INFINITY;
        scores[[2, 0]] = f32::NAN;
        scores[[2, 1]] = f32::NEG_INFINITY;
        let heads = decode_mst(&scores);
        assert_eq!(heads, vec![0, 3, 1]);
    }

    #[test]
    fn large_sentence_is_valid_and_fast() {
        let mut random = Random(4242);
        let scores = random.matrix(300);
        let started = std::time::Instant::now();
        let heads = decode_mst(&scores);
        let elapsed = started.elapsed();
        assert!(is_valid_tree(&heads));
        assert_eq!(heads.len(), 300);
        // Generous bound: debug builds are much slower than release.
        assert!(elapsed.as_secs_f64() < 5.0, "took {elapsed:?}");
    }

    #[test]
    fn validity_checks() {
        assert!(is_valid_tree(&[]));
        assert!(is_valid_tree(&[0]));
        assert!(is_valid_tree(&[2, 0, 2]));
        assert!(!is_valid_tree(&[0, 0]), "two roots");
        assert!(!is_valid_tree(&[2, 1]), "no root");
        assert!(!is_valid_tree(&[0, 3, 2]), "cycle");
        assert!(!is_valid_tree(&[0, 2]), "self loop");
        assert!(!is_valid_tree(&[0, 5]), "head out of range");
    }
}

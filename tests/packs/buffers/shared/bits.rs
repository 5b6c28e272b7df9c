/// The pack's helpers: the reference and the properties of `sum_u64` call these.
fn wrapping_sum(xs: &[u64]) -> u64 {
    xs.iter().fold(0u64, |a, &x| a.wrapping_add(x))
}

fn ones(n: usize) -> Vec<u64> {
    vec![1; n]
}

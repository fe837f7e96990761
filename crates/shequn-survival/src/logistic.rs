//! Logistic regression with a ridge penalty, fitted by Newton's method (a few dozen
//! features and at most thousands of groups: an exact solve is small and deterministic).

/// Intercept and one weight per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub intercept: f64,
    pub weights: Vec<f64>,
}

impl Fitted {
    pub fn logit(&self, x: &[f64]) -> f64 {
        self.intercept + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>()
    }
}

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Fits `P(y) = σ(b + w·x)` minimising the log-loss plus `l2/2 · |w|²` (the intercept is not
/// penalised). Rows of `x` must all have the same length.
pub fn fit_logistic(x: &[Vec<f64>], y: &[bool], l2: f64) -> Fitted {
    let d = x.first().map_or(0, Vec::len);
    let k = d + 1; // parameter 0 is the intercept
    let mut beta = vec![0.0; k];
    let pos = y.iter().filter(|&&v| v).count() as f64;
    let n = y.len() as f64;
    if n > 0.0 && pos > 0.0 && pos < n {
        beta[0] = (pos / (n - pos)).ln();
    }
    for _ in 0..100 {
        let mut grad = vec![0.0; k];
        let mut hess = vec![vec![0.0; k]; k];
        for (row, &t) in x.iter().zip(y) {
            let z = beta[0] + beta[1..].iter().zip(row).map(|(w, v)| w * v).sum::<f64>();
            let p = sigmoid(z);
            let r = p - if t { 1.0 } else { 0.0 };
            let w = (p * (1.0 - p)).max(1e-9);
            let xi = |j: usize| if j == 0 { 1.0 } else { row[j - 1] };
            for (a, (g, h)) in grad.iter_mut().zip(hess.iter_mut()).enumerate() {
                let xa = xi(a);
                *g += r * xa;
                for (b, cell) in h.iter_mut().enumerate() {
                    *cell += w * xa * xi(b);
                }
            }
        }
        for j in 1..k {
            grad[j] += l2 * beta[j];
            hess[j][j] += l2;
        }
        hess[0][0] += 1e-9;
        let Some(step) = solve(hess, grad) else { break };
        let mut biggest: f64 = 0.0;
        for j in 0..k {
            beta[j] -= step[j];
            biggest = biggest.max(step[j].abs());
        }
        if biggest < 1e-9 {
            break;
        }
    }
    Fitted { intercept: beta[0], weights: beta[1..].to_vec() }
}

/// Solves `a · s = b` by Gaussian elimination with partial pivoting (None when singular).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            if f != 0.0 {
                let (top, below) = a.split_at_mut(r);
                for (x, p) in below[0][col..].iter_mut().zip(&top[col][col..]) {
                    *x -= f * p;
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut s = vec![0.0; n];
    for r in (0..n).rev() {
        let rest: f64 = (r + 1..n).map(|c| a[r][c] * s[c]).sum();
        s[r] = (b[r] - rest) / a[r][r];
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_the_direction_of_a_signal() {
        // y is true when x0 is large; x1 is noise.
        let x: Vec<Vec<f64>> =
            (0..200).map(|i| vec![(i % 20) as f64 / 10.0 - 1.0, ((i * 7) % 13) as f64 / 6.0 - 1.0]).collect();
        let y: Vec<bool> =
            x.iter().enumerate().map(|(i, r)| r[0] + if i % 9 == 0 { -0.8 } else { 0.0 } > 0.1).collect();
        let f = fit_logistic(&x, &y, 0.1);
        assert!(f.weights[0] > 2.0, "{f:?}");
        assert!(f.weights[0].abs() > 4.0 * f.weights[1].abs(), "{f:?}");
        // A heavier penalty shrinks the weight.
        let g = fit_logistic(&x, &y, 50.0);
        assert!(g.weights[0] < f.weights[0] && g.weights[0] > 0.0, "{g:?}");
    }

    #[test]
    fn separable_data_stays_finite_with_a_penalty() {
        let x = vec![vec![-1.0], vec![-0.5], vec![0.5], vec![1.0]];
        let y = vec![false, false, true, true];
        let f = fit_logistic(&x, &y, 1.0);
        assert!(f.weights[0].is_finite() && f.weights[0] > 0.0);
    }
}

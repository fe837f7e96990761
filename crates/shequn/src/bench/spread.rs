//! Several runs of a stage summarised as median with min and max.

use serde::Serialize;

/// The median of a set of runs and its extremes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// None for no values. The median of an even count is the mean of the two middle values.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Some(Spread { median, min: v[0], max: v[n - 1] })
    }

    /// A rate `amount / seconds`: the fastest run gives the max, the slowest the min.
    pub fn rate(amount: f64, seconds: &Spread) -> Spread {
        let per = |s: f64| if s > 0.0 { amount / s } else { f64::INFINITY };
        Spread { median: per(seconds.median), min: per(seconds.max), max: per(seconds.min) }
    }
}

#[cfg(test)]
mod tests {
    use super::Spread;

    #[test]
    fn odd_count_takes_the_middle_regardless_of_order() {
        let s = Spread::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!(s, Spread { median: 3.0, min: 1.0, max: 5.0 });
    }

    #[test]
    fn even_count_averages_the_two_middle_values() {
        let s = Spread::of(&[4.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!(s, Spread { median: 3.0, min: 1.0, max: 10.0 });
    }

    #[test]
    fn one_value_and_none() {
        assert_eq!(Spread::of(&[2.5]).unwrap(), Spread { median: 2.5, min: 2.5, max: 2.5 });
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[f64::NAN]), None);
    }

    #[test]
    fn rates_swap_extremes() {
        let secs = Spread { median: 2.0, min: 1.0, max: 4.0 };
        let r = Spread::rate(100.0, &secs);
        assert_eq!(r, Spread { median: 50.0, min: 25.0, max: 100.0 });
    }
}

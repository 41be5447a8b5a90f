//! Numbers as people read them: separators in counts, units in rates and
//! durations.

use std::time::Duration;

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate as `23.1 M/s`, `195 k/s`, `12/s`.
pub fn rate(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "-".into();
    }
    let (value, unit) = if per_sec >= 1e9 {
        (per_sec / 1e9, "G")
    } else if per_sec >= 1e6 {
        (per_sec / 1e6, "M")
    } else if per_sec >= 1e3 {
        (per_sec / 1e3, "k")
    } else {
        (per_sec, "")
    };
    let digits = if value >= 100.0 || unit.is_empty() {
        0
    } else {
        1
    };
    let gap = if unit.is_empty() { "" } else { " " };
    format!("{value:.digits$}{gap}{unit}/s")
}

/// A count per second for a panel: `12.5/s` below a thousand, then whole
/// and with separators, `129,994/s`.
pub fn per_second(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec < 0.0 {
        return "-".into();
    }
    if per_sec < 999.95 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{}/s", thousands(per_sec.round() as u64))
    }
}

/// A count in at most five characters, for a narrow column: exact up to
/// 99,999, then in thousands (`357k`), millions (`4210M`) or billions,
/// rounded down so it never claims more than was done. (Beyond ten
/// trillion it takes more characters.)
pub fn compact(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000, "k"), (1_000_000, "M"), (1_000_000_000, "G")];
    if n < 100_000 {
        return n.to_string();
    }
    let (size, unit) = UNITS
        .into_iter()
        .find(|&(size, _)| n / size < 10_000)
        .unwrap_or(UNITS[2]);
    format!("{}{unit}", n / size)
}

/// `1.23 s`, `45.6 ms`, `789 µs`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.001 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.0} µs", s * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(2_000_000), "2,000,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(rate(23_100_000.0), "23.1 M/s");
        assert_eq!(rate(195_400.0), "195 k/s");
        assert_eq!(rate(6_000.0), "6.0 k/s");
        assert_eq!(rate(12.0), "12/s");
        assert_eq!(rate(0.0), "-");
    }

    #[test]
    fn panel_rates_keep_a_decimal_only_while_small() {
        assert_eq!(per_second(0.0), "0.0/s");
        assert_eq!(per_second(12.34), "12.3/s");
        assert_eq!(per_second(999.9), "999.9/s");
        assert_eq!(per_second(999.96), "1,000/s");
        assert_eq!(per_second(129_993.8), "129,994/s");
        assert_eq!(per_second(f64::NAN), "-");
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration(Duration::from_millis(21_270)), "21.27 s");
        assert_eq!(duration(Duration::from_micros(4_300)), "4.3 ms");
        assert_eq!(duration(Duration::from_micros(789)), "789 µs");
    }

    #[test]
    fn compact_counts_fit_five_characters() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(99_999), "99999");
        assert_eq!(compact(100_000), "100k");
        assert_eq!(compact(357_672), "357k");
        assert_eq!(compact(9_999_999), "9999k");
        assert_eq!(compact(10_000_000), "10M");
        assert_eq!(compact(4_210_000_000), "4210M");
        assert_eq!(compact(10_000_000_000), "10G");
        for n in [
            0,
            7,
            12_345,
            99_999,
            100_000,
            123_456_789,
            9_999_999_999_999,
        ] {
            assert!(compact(n).chars().count() <= 5, "{n} as {}", compact(n));
        }
    }
}

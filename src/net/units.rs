//! Bit rates and times as people write them: `10k`, `2.5M`, `10G`, `100 Gbit/s`; `1.5 ms`.

/// Decimal prefixes for bit rates, largest first.
const PREFIXES: [(f64, &str); 5] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, "")];

/// A bit rate with the prefix that keeps its figure between 1 and 1000: `10 Gbit/s`,
/// `2.5 Mbit/s`, `400 bit/s`; up to three significant figures, trailing zeros dropped.
pub fn format_bps(bps: f64) -> String {
    if !bps.is_finite() {
        return format!("{bps} bit/s");
    }
    let (scale, prefix) = PREFIXES.iter().copied().find(|&(s, _)| bps.abs() >= s).unwrap_or((1.0, ""));
    format!("{} {prefix}bit/s", significant(bps / scale))
}

/// A time in s, ms, µs or ns, whichever keeps the figure between 1 and 1000 (below 1 ns, in ns).
pub fn format_seconds(s: f64) -> String {
    if !s.is_finite() {
        return format!("{s} s");
    }
    let (value, unit) = match s.abs() {
        x if x >= 1.0 => (s, "s"),
        x if x >= 1e-3 => (s * 1e3, "ms"),
        x if x >= 1e-6 => (s * 1e6, "µs"),
        _ => (s * 1e9, "ns"),
    };
    format!("{} {unit}", significant(value))
}

/// Up to three significant figures (more for large integers), no trailing zeros.
fn significant(x: f64) -> String {
    let decimals = match x.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        _ => 2,
    };
    let text = format!("{x:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

/// Reads a bit rate: a number with an optional prefix (k, M, G, T) and an optional `bit/s`,
/// `b/s` or `bps`: `10k`, `2.5M`, `10G`, `100 Gbit/s`, `1e9`. Must be positive and finite.
pub fn parse_bps(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bad = || format!("{t:?} is not a bit rate (examples: 10k, 2.5M, 10G, 100 Gbit/s)");
    let lower = t.to_ascii_lowercase();
    let body = ["bit/s", "bits/s", "b/s", "bps"]
        .iter()
        .find_map(|u| lower.strip_suffix(u))
        .unwrap_or(&lower)
        .trim_end();
    let (number, scale) = match body.chars().last() {
        Some('k') => (&body[..body.len() - 1], 1e3),
        Some('m') => (&body[..body.len() - 1], 1e6),
        Some('g') => (&body[..body.len() - 1], 1e9),
        Some('t') => (&body[..body.len() - 1], 1e12),
        _ => (body, 1.0),
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let bps = value * scale;
    if bps.is_finite() && bps > 0.0 { Ok(bps) } else { Err(bad()) }
}

/// Reads a time: a number with an optional unit (`s`, `ms`, `µs` or `us`, `ns`; seconds without
/// one): `12 ms`, `3.5us`, `0`. Must be finite and not negative.
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bad = || format!("{t:?} is not a time (examples: 0, 12 ms, 3.5 µs, 1 s)");
    let (number, scale) = [("ms", 1e-3), ("µs", 1e-6), ("us", 1e-6), ("ns", 1e-9), ("s", 1.0)]
        .iter()
        .find_map(|&(unit, scale)| t.strip_suffix(unit).map(|n| (n, scale)))
        .unwrap_or((t, 1.0));
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let seconds = value * scale;
    if seconds.is_finite() && seconds >= 0.0 { Ok(seconds) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_with_their_unit() {
        assert_eq!(parse_seconds("12 ms"), Ok(0.012));
        assert_eq!(parse_seconds("3.5us"), Ok(3.5e-6));
        assert_eq!(parse_seconds("250 µs"), Ok(250e-6));
        assert_eq!(parse_seconds("2 ns"), Ok(2e-9));
        assert_eq!(parse_seconds("1.5"), Ok(1.5));
        assert_eq!(parse_seconds("0"), Ok(0.0));
        for bad in ["-1 ms", "ms", "inf", "1 h", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_seconds(&format_seconds(0.0123)), Ok(0.0123));
    }

    #[test]
    fn rates_format_with_their_prefix() {
        assert_eq!(format_bps(1e10), "10 Gbit/s");
        assert_eq!(format_bps(2.5e6), "2.5 Mbit/s");
        assert_eq!(format_bps(44.736e6), "44.7 Mbit/s");
        assert_eq!(format_bps(155.52e6), "156 Mbit/s");
        assert_eq!(format_bps(400.0), "400 bit/s");
        assert_eq!(format_bps(1e4), "10 kbit/s");
        assert_eq!(format_bps(1e14), "100 Tbit/s");
    }

    #[test]
    fn times_format_with_their_unit() {
        assert_eq!(format_seconds(0.0123), "12.3 ms");
        assert_eq!(format_seconds(2.5), "2.5 s");
        assert_eq!(format_seconds(4.2e-6), "4.2 µs");
        assert_eq!(format_seconds(3.25e-8), "32.5 ns");
        assert_eq!(format_seconds(0.0), "0 ns");
    }

    #[test]
    fn rates_parse_in_every_written_form() {
        for (text, bps) in [
            ("10k", 1e4),
            ("2.5M", 2.5e6),
            ("10G", 1e10),
            ("100 Gbit/s", 1e11),
            ("1e9", 1e9),
            ("64 kbps", 64e3),
            ("155Mb/s", 155e6),
            ("1T", 1e12),
            ("400", 400.0),
        ] {
            assert_eq!(parse_bps(text), Ok(bps), "{text}");
        }
        for bad in ["", "fast", "-1G", "0", "1e400", "10 Q", "NaN"] {
            assert!(parse_bps(bad).is_err(), "{bad:?}");
        }
    }
}

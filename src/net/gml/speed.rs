//! Link speeds written as text, as Topology Zoo files give them in `LinkLabel` ("45 Mbps DS-3",
//! "OC192/STM64", "2x10Gb/s", "1-20Gbps", "<= 10 Mbps") and `LinkSpeed` + `LinkSpeedUnits`.
//!
//! Written by hand: the labels are free text in a dozen conventions, and what matters is never
//! reading a wrong number, so anything not recognised is `None`, never a guess.

/// A speed read from a label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelSpeed {
    pub bps: f64,
    /// The label gives a range or a bound ("1-20Gbps", "<= 10 Mbps"): `bps` is its lower figure.
    pub range: bool,
}

/// A unit prefix letter's factor (k, M, G, T; case-insensitive, as the Zoo writes them).
fn prefix(c: char) -> Option<f64> {
    match c.to_ascii_lowercase() {
        'k' => Some(1e3),
        'm' => Some(1e6),
        'g' => Some(1e9),
        't' => Some(1e12),
        _ => None,
    }
}

/// `LinkSpeed` × `LinkSpeedUnits` ("10", "G"), in bit/s.
pub fn from_units(speed: &str, units: &str) -> Option<f64> {
    let value: f64 = speed.trim().parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0)?;
    let units = units.trim();
    let factor = match units.chars().next() {
        None => 1.0,
        Some(c) => {
            let f = prefix(c)?;
            let rest = units[c.len_utf8()..].to_ascii_lowercase();
            if !["", "b", "bps", "b/s", "bit/s", "bits/s"].contains(&rest.as_str()) {
                return None;
            }
            f
        }
    };
    Some(value * factor)
}

/// Named line rates in bit/s: digital hierarchy carriers and Ethernet generations.
const CARRIERS: [(&str, f64); 10] = [
    ("ds-1", 1.544e6),
    ("ds1", 1.544e6),
    ("t1", 1.544e6),
    ("e1", 2.048e6),
    ("e3", 34.368e6),
    ("ds-3", 44.736e6),
    ("ds3", 44.736e6),
    ("t3", 44.736e6),
    ("fast ethernet", 1e8),
    ("gigabit ethernet", 1e9),
];

/// Words that make the figures a range or a bound.
const BOUNDS: [&str; 6] = ["<", ">", "less than", "more", "up to", "below"];

/// Reads a speed from a link label, or `None` when the label states none.
pub fn parse_label(label: &str) -> Option<LabelSpeed> {
    let text = label.to_ascii_lowercase();
    let figures = figures(&text);
    if !figures.is_empty() {
        let lowest = figures.iter().map(|f| f.0).fold(f64::INFINITY, f64::min);
        let ranged = figures.len() > 1 && figures.iter().any(|f| f.0 != lowest)
            || figures.iter().any(|f| f.1)
            || BOUNDS.iter().any(|b| text.contains(b));
        return Some(LabelSpeed { bps: lowest, range: ranged });
    }
    if let Some(bps) = sonet(&text) {
        return Some(LabelSpeed { bps, range: false });
    }
    if let Some(bps) = ethernet(&text) {
        return Some(LabelSpeed { bps, range: false });
    }
    let words: Vec<&str> = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).collect();
    for (name, bps) in CARRIERS {
        let found = if name.contains(' ') { text.contains(name) } else { words.contains(&name) };
        if found {
            return Some(LabelSpeed { bps, range: false });
        }
    }
    None
}

/// Every `number [unit]` figure with a bit-rate unit, as (bit/s, part of a range); a bare number
/// right before a `-` and a figure ("1-20Gbps") takes that figure's unit. A multiplier written
/// `2x10Gb/s` multiplies.
fn figures(text: &str) -> Vec<(f64, bool)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pending: Option<f64> = None;
    // Where the last unit read ends: a letter there belongs to a figure ("300M-1Gb/s").
    let mut unit_end = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_digit()
            || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
        {
            i += 1;
            continue;
        }
        // A number glued to letters before it ("oc192", "stm-64", "q2003") is not a speed.
        let letter_at = |k: usize| bytes[k].is_ascii_alphabetic() && k >= unit_end;
        let glued = i > 0 && (letter_at(i - 1) || (bytes[i - 1] == b'-' && i > 1 && letter_at(i - 2)));
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let Ok(value) = text[start..i].parse::<f64>() else { continue };
        if glued {
            pending = None;
            continue;
        }
        // An unknown multiplier ("N*10Gbit/s"): the figure is a lower bound.
        let unknown_times = text[..start].trim_end().ends_with('*');
        // A multiplier: "2x10Gb/s", "2 x 10 Gbps".
        let after = text[i..].trim_start();
        if let Some(rest) = after.strip_prefix('x').or_else(|| after.strip_prefix('*'))
            && rest.trim_start().starts_with(|c: char| c.is_ascii_digit())
        {
            let skipped = text.len() - rest.trim_start().len();
            let inner = figures(&text[skipped..]);
            if let Some(&(bps, ranged)) = inner.first() {
                out.push((value * bps, ranged));
                out.extend(inner.iter().skip(1));
                return out;
            }
        }
        let mut j = i;
        while j < bytes.len() && bytes[j] == b' ' {
            j += 1;
        }
        match unit(&text[j..]) {
            Some((factor, len)) => {
                if let Some(low) = pending.take() {
                    out.push((low * factor, true));
                    out.push((value * factor, true));
                } else {
                    out.push((value * factor, unknown_times));
                }
                i = j + len;
                unit_end = i;
            }
            None => {
                // "1-20Gbps", "10-34 Mb/s": the bare lower figure takes the upper one's unit.
                pending = (text[j..].starts_with('-') && j == i).then_some(value);
                if pending.is_some() {
                    i = j + 1;
                }
            }
        }
    }
    out
}

/// A bit-rate unit at the start of `s`: its factor and length, with a trailing multiplier
/// ("10GEx12") folded into the factor. "M" alone counts ("155M", "2.5G"), and "GE" is Gigabit
/// Ethernet ("10 GE"), but not when a word follows ("1q 2003", "10 mins").
fn unit(s: &str) -> Option<(f64, usize)> {
    let ends_word = |after: &str| !after.starts_with(|c: char| c.is_ascii_alphanumeric() && c != 'x');
    for suffix in ["bits/s", "bit/s", "bps", "b/s"] {
        if let Some(after) = s.strip_prefix(suffix)
            && ends_word(after)
        {
            return Some(times(after, 1.0, suffix.len()));
        }
    }
    let c = s.chars().next()?;
    let factor = prefix(c)?;
    let rest = &s[1..];
    let ethernet = if c == 'g' { &["ige", "be", "e"][..] } else { &[][..] };
    for suffix in ["bits/s", "bit/s", "bps", "b/s", "bit", "b"].iter().chain(ethernet) {
        if let Some(after) = rest.strip_prefix(suffix)
            && ends_word(after)
        {
            return Some(times(after, factor, 1 + suffix.len()));
        }
    }
    // A bare prefix: only if no letter follows ("155M", "2.5G").
    ends_word(rest).then(|| times(rest, factor, 1))
}

/// A unit's factor and length, times a multiplier written right after it ("x12").
fn times(after: &str, factor: f64, len: usize) -> (f64, usize) {
    let digits: String = after
        .strip_prefix('x')
        .map(|r| r.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    match digits.parse::<f64>() {
        Ok(n) if n > 0.0 => (factor * n, len + 1 + digits.len()),
        _ => (factor, len),
    }
}

/// OC-n (n × 51.84 Mbit/s) or STM-m (m × 155.52 Mbit/s), with an optional "c" and "xN" multiplier;
/// in "OC192/STM64" both name the same rate.
fn sonet(text: &str) -> Option<f64> {
    for (name, base) in [("stm", 155.52e6), ("oc", 51.84e6)] {
        let mut from = 0;
        while let Some(at) = text[from..].find(name) {
            let start = from + at;
            from = start + name.len();
            if start > 0 && text.as_bytes()[start - 1].is_ascii_alphabetic() {
                continue;
            }
            let rest = text[from..].trim_start_matches(['-', ' ']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let Ok(n) = digits.parse::<f64>() else { continue };
            let rest = rest[digits.len()..].trim_start_matches('c');
            let times = rest
                .strip_prefix('x')
                .and_then(|r| {
                    r.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<f64>().ok()
                })
                .unwrap_or(1.0);
            if n > 0.0 {
                return Some(n * base * times);
            }
        }
    }
    None
}

/// Ethernet names: "1GE", "10GE", "100GE", "GigE", "10GigE", "GbE".
fn ethernet(text: &str) -> Option<f64> {
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        for (suffix, scale) in [("gige", 1e9), ("gbe", 1e9), ("ge", 1e9)] {
            if let Some(number) = word.strip_suffix(suffix) {
                if number.is_empty() && suffix != "ge" {
                    return Some(scale);
                }
                if let Ok(n) = number.parse::<f64>() {
                    return Some(n * scale);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real `LinkLabel`s of the Topology Zoo and what they state.
    const LABELS: &[(&str, Option<(f64, bool)>)] = &[
        ("45 Mbps DS-3", Some((45e6, false))),
        ("2.5 Gbps", Some((2.5e9, false))),
        ("2.5 Gbit/s", Some((2.5e9, false))),
        ("1Gb/s", Some((1e9, false))),
        ("10Gbps", Some((1e10, false))),
        ("155 Mbps OC-3", Some((155e6, false))),
        ("155M", Some((155e6, false))),
        ("2.5G", Some((2.5e9, false))),
        ("0.02M", Some((2e4, false))),
        ("64 Kbps", Some((64e3, false))),
        ("64 Kbit/s", Some((64e3, false))),
        ("1 GB/s", Some((1e9, false))),
        ("Peering, 1 Gbps", Some((1e9, false))),
        ("Lit Fibre (10 Gbps)", Some((1e10, false))),
        ("Fibre ottica spenta (Dark Fibre), 2.5 Gbps", Some((2.5e9, false))),
        ("Microwave 155 Mbps ATM", Some((155e6, false))),
        ("SMfiber/1Gbps", Some((1e9, false))),
        ("PWAVE  10Gbit/s", Some((1e10, false))),
        ("2x10Gb/s", Some((2e10, false))),
        ("OC192/STM64", Some((64.0 * 155.52e6, false))),
        ("OC12/STM4", Some((4.0 * 155.52e6, false))),
        ("OC48/STM16", Some((16.0 * 155.52e6, false))),
        ("OC-192c", Some((192.0 * 51.84e6, false))),
        ("POS OC-48", Some((48.0 * 51.84e6, false))),
        ("STM-16", Some((16.0 * 155.52e6, false))),
        ("STM-1", Some((155.52e6, false))),
        ("STM-64x2", Some((2.0 * 64.0 * 155.52e6, false))),
        ("ANS CO+RE T1", Some((1.544e6, false))),
        ("internetMCI T3", Some((44.736e6, false))),
        ("E1", Some((2.048e6, false))),
        ("E3", Some((34.368e6, false))),
        ("1GE Primary Link", Some((1e9, false))),
        ("10GE", Some((1e10, false))),
        ("GigE", Some((1e9, false))),
        ("10G Ethernet", Some((1e10, false))),
        ("10 GE", Some((1e10, false))),
        ("10GEx12", Some((1.2e11, false))),
        ("9600 bit/s", Some((9600.0, false))),
        ("40Mpbs", None),
        ("1-20Gbps", Some((1e9, true))),
        ("10-34 Mb/s", Some((10e6, true))),
        ("300M-1Gb/s", Some((300e6, true))),
        ("Dark Fiber (1-10Gbps)", Some((1e9, true))),
        ("<= 10 Mbps", Some((10e6, true))),
        ("< 2.5 Gbps", Some((2.5e9, true))),
        ("less than 100 Mbps", Some((100e6, true))),
        ("100 Mbps and more", Some((100e6, true))),
        ("Managed Fiber (10Gbps, 100Mbps)", Some((100e6, true))),
        ("Fibre ottica spenta (Dark Fibre)", None),
        ("Completion 2007-2008", None),
        ("1Q 2003", None),
        ("Green Link", None),
        ("CANARIE N*10Gbit/s", Some((1e10, true))),
        ("Ethernet", None),
        ("WANPHY", None),
        ("SeaMeWe-3", None),
        ("TAT-14", None),
    ];

    #[test]
    fn every_label_form_reads_as_its_speed_and_nothing_else_does() {
        for &(label, expected) in LABELS {
            let got = parse_label(label).map(|s| (s.bps, s.range));
            match (got, expected) {
                (Some((bps, range)), Some((want, want_range))) => {
                    assert!((bps - want).abs() <= 1e-9 * want, "{label:?}: {bps} bit/s, expected {want}");
                    assert_eq!(range, want_range, "{label:?}: range");
                }
                _ => assert_eq!(got, expected, "{label:?}"),
            }
        }
    }

    #[test]
    fn speed_and_units_fields() {
        assert_eq!(from_units("10", "G"), Some(1e10));
        assert_eq!(from_units("155", "M"), Some(155e6));
        assert_eq!(from_units("2.5", "Gbps"), Some(2.5e9));
        assert_eq!(from_units("64", "k"), Some(64e3));
        assert_eq!(from_units("100", ""), Some(100.0));
        assert_eq!(from_units("ten", "G"), None);
        assert_eq!(from_units("10", "Q"), None);
        assert_eq!(from_units("-5", "M"), None);
    }
}

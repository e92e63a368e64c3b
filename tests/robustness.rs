//! Mutated input: a GML file or scenario whose numbers are replaced by extreme values, or whose
//! bytes are damaged, either loads or is refused with an error. None panics, and what loads
//! predicts finite figures (or says why it cannot) and simulates within a budget.

use pathcast::model::pretrained;
use pathcast::net::gml;
use pathcast::net::{Scenario, TrafficSpec, builtin};
use pathcast::sim::{SimConfig, simulate};
use proptest::prelude::*;

/// Values that have broken parsers and models before.
const EXTREMES: [&str; 10] =
    ["0", "-1", "1e308", "1e-308", "nan", "inf", "99999999999999999999", "-0", "4294967296", "0.5"];

/// The text with its `k`-th number replaced by `value`.
fn replace_number(text: &str, k: usize, value: &str) -> String {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'.')
        {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || b".eE+-".contains(&bytes[i])) {
                i += 1;
            }
            starts.push((start, i));
        }
        i += 1;
    }
    if starts.is_empty() {
        return text.to_owned();
    }
    let (a, b) = starts[k % starts.len()];
    format!("{}{value}{}", &text[..a], &text[b..])
}

/// Loads what loads, then predicts and simulates it: every outcome is a value or an error.
fn exercise(scenario: Scenario) {
    let mut scenario = scenario;
    if scenario.traffic.is_empty() {
        let spec = TrafficSpec { seed: 1, max_avg_lambda: None, max_utilization: Some(0.7) };
        match Scenario::generate(scenario.name.clone(), scenario.topology.clone(), spec) {
            Ok(s) => scenario = s,
            Err(_) => return,
        }
    }
    if let Ok(p) = pretrained::trained().predict(&scenario) {
        for f in &p.flows {
            assert!(f.delay_s.is_finite() && f.jitter_s2.is_finite() && f.loss.is_finite(), "{f:?}");
            assert!(f.delay_s > 0.0 && (0.0..=1.0).contains(&f.loss), "{f:?}");
        }
    }
    let config = SimConfig {
        packets_per_flow: 10,
        max_events: 200_000,
        max_in_flight: 100_000,
        ..SimConfig::default()
    };
    let _ = simulate(&scenario, &config);
}

fn nsfnet_gml() -> String {
    builtin::gml_text("nsfnet").unwrap().to_owned()
}

fn scenario_json() -> String {
    let topology = builtin::load("gbn").unwrap().topology;
    let spec = TrafficSpec { seed: 2, max_avg_lambda: None, max_utilization: Some(0.8) };
    Scenario::generate("gbn", topology, spec).unwrap().to_json()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn gml_with_extreme_numbers_loads_or_is_refused(k in 0usize..2000, v in 0usize..EXTREMES.len()) {
        let text = replace_number(&nsfnet_gml(), k, EXTREMES[v]);
        if let Ok(imported) = gml::import(text.as_bytes()) {
            exercise(Scenario::new("mutated", imported.topology));
        }
    }

    #[test]
    fn damaged_gml_bytes_never_panic(edits in proptest::collection::vec((0usize..100_000, any::<u8>()), 1..6)) {
        let mut bytes = nsfnet_gml().into_bytes();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        if let Ok(imported) = gml::import(&bytes) {
            exercise(Scenario::new("mutated", imported.topology));
        }
    }

    #[test]
    fn scenarios_with_extreme_numbers_load_or_are_refused(k in 0usize..20_000, v in 0usize..EXTREMES.len()) {
        let text = replace_number(&scenario_json(), k, EXTREMES[v]);
        if let Ok(scenario) = Scenario::from_json(text.as_bytes()) {
            exercise(scenario);
        }
    }
}

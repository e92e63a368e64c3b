//! Geography: great-circle distances and the propagation delay they imply.

/// Mean Earth radius (m), as in the haversine formula's usual statement.
const EARTH_RADIUS_M: f64 = 6_371_000.0;
/// Signal speed in optical fibre (m/s): about two thirds of the speed of light.
pub const FIBRE_SPEED_M_PER_S: f64 = 2e8;

/// Great-circle distance (m) between two points given in degrees (haversine formula).
pub fn great_circle_m(lat_a: f64, lon_a: f64, lat_b: f64, lon_b: f64) -> f64 {
    let (phi_a, phi_b) = (lat_a.to_radians(), lat_b.to_radians());
    let d_phi = phi_b - phi_a;
    let d_lambda = (lon_b - lon_a).to_radians();
    let h = (d_phi / 2.0).sin().powi(2) + phi_a.cos() * phi_b.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Propagation delay (s) over fibre laid along the great circle between two points.
pub fn propagation_s(lat_a: f64, lon_a: f64, lat_b: f64, lon_b: f64) -> f64 {
    great_circle_m(lat_a, lon_a, lat_b, lon_b) / FIBRE_SPEED_M_PER_S
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        // A quarter of the equator, and pole to pole: π R / 2 and π R.
        let quarter = std::f64::consts::FRAC_PI_2 * EARTH_RADIUS_M;
        assert!((great_circle_m(0.0, 0.0, 0.0, 90.0) - quarter).abs() < 1e-6);
        assert!((great_circle_m(90.0, 0.0, -90.0, 0.0) - 2.0 * quarter).abs() < 1e-6);
        // Antipodes on the equator, across the date line.
        assert!((great_circle_m(0.0, 170.0, 0.0, -10.0) - 2.0 * quarter).abs() < 1e-6);
        // Paris (48.8566 N, 2.3522 E) to London (51.5074 N, 0.1278 W): about 343.5 km.
        let d = great_circle_m(48.8566, 2.3522, 51.5074, -0.1278);
        assert!((d - 343_500.0).abs() < 1_000.0, "{d}");
        assert!((propagation_s(48.8566, 2.3522, 51.5074, -0.1278) - d / 2e8).abs() < 1e-15);
        assert_eq!(great_circle_m(10.0, 20.0, 10.0, 20.0), 0.0);
    }
}

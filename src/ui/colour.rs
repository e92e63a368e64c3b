//! Colour maps shared by the canvas and the heatmap (colorous's ColorBrewer scales).

use eframe::egui::Color32;

/// The colour of warnings: overloaded links and extrapolated predictions.
pub const WARNING: Color32 = Color32::from_rgb(255, 150, 40);
/// The mark of pairs over their delay target.
pub const OVER_TARGET: Color32 = Color32::from_rgb(255, 60, 200);

fn convert(c: colorous::Color) -> Color32 {
    Color32::from_rgb(c.r, c.g, c.b)
}

/// Low (green) to high (red) for `t` in [0, 1]; values outside are clamped, NaN is grey.
pub fn sequential(t: f64) -> Color32 {
    if t.is_nan() {
        return Color32::GRAY;
    }
    convert(colorous::RED_YELLOW_GREEN.eval_continuous(1.0 - t.clamp(0.0, 1.0)))
}

/// Negative (blue) through neutral to positive (red) for `t` in [-1, 1]; NaN is grey.
pub fn diverging(t: f64) -> Color32 {
    if t.is_nan() {
        return Color32::GRAY;
    }
    convert(colorous::RED_BLUE.eval_continuous(0.5 - 0.5 * t.clamp(-1.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_run_the_right_way() {
        let (low, high) = (sequential(0.0), sequential(1.0));
        assert!(low.g() > low.r() && high.r() > high.g(), "green is low, red is high");
        assert_eq!(sequential(2.0), high);
        let (neg, pos) = (diverging(-1.0), diverging(1.0));
        assert!(neg.b() > neg.r() && pos.r() > pos.b(), "blue is lower, red is higher");
        assert_eq!(sequential(f64::NAN), Color32::GRAY);
    }
}

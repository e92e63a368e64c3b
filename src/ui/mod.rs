//! The desktop app (eframe): topology canvas, routing and traffic editing, training with live
//! curves, delay heatmap and instant what-if. The UI thread only draws and sends commands; the
//! model, the simulator, training and file I/O run on workers (see [`predictor`] and [`jobs`]).

pub mod analysis;
pub mod app;
pub mod canvas;
pub mod colour;
pub mod document;
pub mod fields;
pub mod figures;
pub mod jobs;
pub mod names;
pub mod panels;
pub mod plan_panel;
pub mod predictor;
pub mod qos_panel;
pub mod state;
pub mod table_panel;
pub mod tables;

pub use app::AppOptions;
pub use state::{Command, PathcastApp, Section};

/// Opens the app window and runs until it closes.
pub fn run(options: AppOptions) -> Result<(), eframe::Error> {
    let native = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("pathcast")
            .with_inner_size(options.size.unwrap_or([1440.0, 900.0]))
            .with_min_inner_size([900.0, 600.0]),
        // A size asked for wins over the one remembered from the last session.
        persist_window: options.size.is_none(),
        ..Default::default()
    };
    eframe::run_native("pathcast", native, Box::new(move |cc| Ok(Box::new(PathcastApp::new(cc, options)))))
}

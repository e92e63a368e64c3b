//! Reading and writing topologies and scenarios by file name, with errors that name the file.

use std::path::{Path, PathBuf};

use super::builtin;
use super::gml::{self, GmlError, ImportOptions, Imported};
use super::scenario::{Scenario, ScenarioError};
use crate::fsutil::write_atomic;

/// A file that could not be read or written, and why.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{path}: {error}")]
    Gml { path: PathBuf, error: GmlError },
    #[error("{path}: {error}")]
    Scenario { path: PathBuf, error: ScenarioError },
    #[error("{0}: unknown file type (expected .gml or .json, or one of {names})", names = builtin::NAMES.join(", "))]
    UnknownKind(PathBuf),
}

enum Kind {
    Gml,
    Json,
}

fn kind(path: &Path) -> Result<Kind, FileError> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("gml") => Ok(Kind::Gml),
        Some("json") => Ok(Kind::Json),
        _ => Err(FileError::UnknownKind(path.to_owned())),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, FileError> {
    crate::fsutil::read(path).map_err(|error| FileError::Io { path: path.to_owned(), error })
}

fn file_stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A file loaded as a scenario, with what its import adjusted.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    /// Notes on merged, skipped or defaulted items (GML only).
    pub notes: Vec<String>,
    /// Set when some link speeds were assumed: one line saying how many and at what capacity.
    pub speed_warning: Option<String>,
}

/// Loads a scenario JSON, a GML topology (shortest paths, no traffic) or a built-in name.
pub fn load(spec: &str, options: &ImportOptions) -> Result<Loaded, FileError> {
    if let Some(imp) = builtin::load(spec) {
        return Ok(Loaded { scenario: scenario_of(imp, spec), notes: Vec::new(), speed_warning: None });
    }
    let path = Path::new(spec);
    match kind(path)? {
        Kind::Json => {
            let scenario = Scenario::from_json(&read(path)?)
                .map_err(|error| FileError::Scenario { path: path.to_owned(), error })?;
            Ok(Loaded { scenario, notes: Vec::new(), speed_warning: None })
        }
        Kind::Gml => {
            let imp = gml::import_with(&read(path)?, *options)
                .map_err(|error| FileError::Gml { path: path.to_owned(), error })?;
            let speed_warning = imp.speeds.warning();
            let notes = imp.notes.iter().filter(|n| Some(*n) != speed_warning.as_ref()).cloned().collect();
            Ok(Loaded { scenario: scenario_of(imp, &file_stem(path)), notes, speed_warning })
        }
    }
}

/// Saves the scenario's topology as GML, or the whole scenario as JSON, by extension; atomically.
pub fn save(path: &Path, scenario: &Scenario) -> Result<(), FileError> {
    let text = match kind(path)? {
        Kind::Gml => gml::export(&scenario.topology, &scenario.name),
        Kind::Json => scenario.to_json(),
    };
    write_atomic(path, text.as_bytes()).map_err(|error| FileError::Io { path: path.to_owned(), error })
}

fn scenario_of(imp: Imported, fallback_name: &str) -> Scenario {
    Scenario::new(imp.name.unwrap_or_else(|| fallback_name.to_owned()), imp.topology)
}

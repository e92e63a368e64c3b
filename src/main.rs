use std::process::ExitCode;

use clap::Parser;
use pathcast::cli::{Cli, Command, GuiArgs, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let import = cli.import.options();
    let command = cli.command.unwrap_or_else(|| Command::Gui(GuiArgs::default()));
    match run(command, &import) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

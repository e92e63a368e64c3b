use std::process::ExitCode;

use clap::Parser;
use pathcast::cli::{Cli, Command, GuiArgs, is_closed_pipe, printable, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let import = cli.import.options();
    let command = cli.command.unwrap_or_else(|| Command::Gui(GuiArgs::default()));
    match run(command, &import) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the input put in the message.
            eprintln!("error: {}", printable(&format!("{err:#}")).replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

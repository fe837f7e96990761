use std::process::ExitCode;

fn main() -> ExitCode {
    shequn::cmd::run()
}

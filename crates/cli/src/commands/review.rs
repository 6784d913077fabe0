use crate::ctx::Ctx;

#[derive(clap::Subcommand)]
pub enum Cmd {}

pub fn run(_ctx: &Ctx, cmd: Cmd) -> anyhow::Result<u8> {
    match cmd {}
}

//! `mulu bench`: see crate::bench.

pub use crate::bench::Args;
use crate::ctx::Ctx;

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    crate::bench::run(ctx, args)
}

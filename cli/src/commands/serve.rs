//! `mulu serve`: see crate::serve.

use crate::ctx::Ctx;
pub use crate::serve::Args;

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    crate::serve::run(ctx, args)
}

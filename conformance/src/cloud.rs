//! The real clouds a run may target. It sits below both the surfaces (which say which cloud is
//! behind them) and the credentials (which say which keys each cloud reads), so neither has to
//! import the other.

/// The real cloud behind a surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Tencent,
    Huawei,
}

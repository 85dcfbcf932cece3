// Index loops are kept where they mirror the paper's indexed equations (W_ij, e_i, r_j).
#![allow(clippy::needless_range_loop)]

//! NLA Playground: a cortical network learning in real time by the neuronal least-action
//! principle (Senn et al., eLife 2024, "A neuronal least-action principle for real-time
//! learning in cortical circuits").
//!
//! The numerical core (`network`, `session`, `mnist`, `drawing`, `backprop`, `kernels`, `rng`)
//! has no web dependency and is tested natively; `web` is the thin wasm facade the page drives.

pub mod backprop;
pub mod checks;
pub mod delay_demo;
pub mod drawing;
pub mod ieeg;
pub mod kernels;
pub mod mnist;
pub mod network;
pub mod observe;
pub mod params;
pub mod probes;
pub mod rng;
pub mod savefile;
pub mod session;
pub mod signal_files;
pub mod urlstate;

#[cfg(not(target_arch = "wasm32"))]
pub mod data_files;

#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(target_arch = "wasm32")]
mod web_eval;
#[cfg(target_arch = "wasm32")]
mod web_ieeg;
#[cfg(target_arch = "wasm32")]
mod web_share;
#[cfg(target_arch = "wasm32")]
mod web_views;

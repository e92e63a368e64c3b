//! The processes of a training job and the one operation they share: a sum over every process,
//! added in rank order so that each process, and each run, gets the same bits. One process alone
//! ([`SingleProcess`]), several over MPI ([`Mpi`], the `mpi` feature), or several GPUs' processes
//! over NCCL ([`Nccl`], the `mpi` and `cuda` features; MPI starts the job and hands out NCCL's id).

use super::error::TrainError;

/// How the processes of a job reach each other.
pub trait Collective {
    /// This process's place, `0..size()`; rank 0 evaluates, checkpoints and reports.
    fn rank(&self) -> usize;
    /// Processes in the job.
    fn size(&self) -> usize;
    /// Replaces `values` by their element-wise sum over every process, added in rank order.
    /// Every process must call it with the same length.
    fn sum(&self, values: &mut [f64]) -> Result<(), TrainError>;
}

/// Training in one process: the sum over one rank is the values themselves.
#[derive(Debug, Clone, Copy, Default)]
pub struct SingleProcess;

impl Collective for SingleProcess {
    fn rank(&self) -> usize {
        0
    }

    fn size(&self) -> usize {
        1
    }

    fn sum(&self, _values: &mut [f64]) -> Result<(), TrainError> {
        Ok(())
    }
}

/// This process's rank as the launcher (`mpirun`, `srun`) told it, before MPI is set up.
pub fn launcher_rank() -> Option<usize> {
    from_launcher(&["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"])
}

/// This process's rank among the processes of its machine, as the launcher told it.
pub fn local_rank() -> Option<usize> {
    from_launcher(&["OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"])
}

/// The first of these environment variables that holds a number.
fn from_launcher(names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| std::env::var(name).ok()?.parse().ok())
}

#[cfg(feature = "mpi")]
pub use self::mpi_world::Mpi;

#[cfg(feature = "mpi")]
mod mpi_world {
    use mpi::environment::Universe;
    use mpi::topology::SimpleCommunicator;
    use mpi::traits::{Communicator, CommunicatorCollectives};

    use super::{Collective, TrainError};

    /// Every process `mpirun` started, over MPI's world communicator.
    pub struct Mpi {
        world: SimpleCommunicator,
        // Finalises MPI when dropped, so it goes last.
        _universe: Universe,
    }

    impl Mpi {
        /// Joins the MPI job; MPI can be set up once per process.
        pub fn join() -> Result<Self, TrainError> {
            let universe = mpi::initialize().ok_or_else(|| {
                TrainError::Config("MPI is already set up in this process (one job per process)".into())
            })?;
            Ok(Mpi { world: universe.world(), _universe: universe })
        }

        /// Waits until every process reaches this point.
        pub fn barrier(&self) {
            self.world.barrier();
        }

        /// Gives every process rank 0's `bytes`.
        #[cfg(feature = "cuda")]
        pub fn broadcast(&self, bytes: &mut [std::ffi::c_char]) {
            use mpi::traits::Root;
            self.world.process_at_rank(0).broadcast_into(bytes);
        }
    }

    /// Sums `values` (every process's `n` values, rank after rank, in `all`) in rank order.
    pub(super) fn sum_in_rank_order(all: &[f64], values: &mut [f64]) {
        let stride = values.len().max(1);
        for (i, v) in values.iter_mut().enumerate() {
            *v = all.iter().skip(i).step_by(stride).sum();
        }
    }

    impl Collective for Mpi {
        fn rank(&self) -> usize {
            self.world.rank() as usize
        }

        fn size(&self) -> usize {
            self.world.size() as usize
        }

        /// An all-gather, then the sum in rank order on every process: MPI's own reduction may
        /// add in any order, and a fixed order is what makes N processes match one.
        fn sum(&self, values: &mut [f64]) -> Result<(), TrainError> {
            let mut all = vec![0.0; values.len() * self.size()];
            self.world.all_gather_into(&values[..], &mut all[..]);
            sum_in_rank_order(&all, values);
            Ok(())
        }
    }
}

#[cfg(all(feature = "mpi", feature = "cuda"))]
pub use self::nccl_world::Nccl;

/// Written for GPUs across processes and machines, built in CI, but not yet run: no machine with
/// NVIDIA GPUs has been available (`scripts/gpu-check.sh` runs it on the first one).
#[cfg(all(feature = "mpi", feature = "cuda"))]
mod nccl_world {
    use std::sync::Arc;

    use cudarc::driver::{CudaContext, CudaStream};
    use cudarc::nccl::{Comm, Id};

    use super::mpi_world::{Mpi, sum_in_rank_order};
    use super::{Collective, TrainError};

    /// One GPU per process; the values meet on the GPUs through NCCL's all-gather (NVLink,
    /// InfiniBand or sockets, whichever NCCL finds) and are added in rank order.
    pub struct Nccl {
        comm: Comm,
        stream: Arc<CudaStream>,
        // Finalises MPI when dropped, after NCCL's communicator.
        mpi: Mpi,
    }

    fn nccl_error(what: &str, e: impl std::fmt::Debug) -> TrainError {
        TrainError::Worker(format!("NCCL: {what}: {e:?}"))
    }

    impl Nccl {
        /// Joins the MPI job and builds an NCCL communicator on GPU `gpu` of this machine.
        pub fn join(gpu: usize) -> Result<Self, TrainError> {
            let mpi = Mpi::join()?;
            let context = CudaContext::new(gpu).map_err(|e| nccl_error(&format!("cuda:{gpu}"), e))?;
            let stream = context.default_stream();
            // Rank 0 makes the communicator's id and MPI gives it to the others.
            let mut id = [0; 128];
            if mpi.rank() == 0 {
                id = *Id::new().map_err(|e| nccl_error("a communicator id", e))?.internal();
            }
            mpi.broadcast(&mut id);
            let comm = Comm::from_rank(stream.clone(), mpi.rank(), mpi.size(), Id::uninit(id))
                .map_err(|e| nccl_error("joining the communicator", e))?;
            Ok(Nccl { comm, stream, mpi })
        }
    }

    impl Collective for Nccl {
        fn rank(&self) -> usize {
            self.mpi.rank()
        }

        fn size(&self) -> usize {
            self.mpi.size()
        }

        fn sum(&self, values: &mut [f64]) -> Result<(), TrainError> {
            let mine = self.stream.clone_htod(values).map_err(|e| nccl_error("copy to the GPU", e))?;
            let mut all = self
                .stream
                .alloc_zeros::<f64>(values.len() * self.size())
                .map_err(|e| nccl_error("GPU memory", e))?;
            self.comm.all_gather(&mine, &mut all).map_err(|e| nccl_error("all-gather", e))?;
            let all = self.stream.clone_dtoh(&all).map_err(|e| nccl_error("copy from the GPU", e))?;
            sum_in_rank_order(&all, values);
            Ok(())
        }
    }
}

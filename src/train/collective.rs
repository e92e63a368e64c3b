//! The processes of a training job and the one operation they share: a sum over every process,
//! added in rank order so that each process, and each run, gets the same bits. One process alone
//! ([`SingleProcess`]) or several over MPI ([`Mpi`], the `mpi` feature).

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
    ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
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
            let stride = values.len().max(1);
            for (i, v) in values.iter_mut().enumerate() {
                *v = all.iter().skip(i).step_by(stride).sum();
            }
            Ok(())
        }
    }
}

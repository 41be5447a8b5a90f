//! The shared region: one memfd mapped `MAP_SHARED` by proclab and every worker.
//!
//! Layout (version [`LAYOUT_VERSION`]), every part page-aligned:
//!
//! | part     | what it holds                                              |
//! | -------- | ---------------------------------------------------------- |
//! | header   | magic, layout version, slot count, calibration, a table of sections |
//! | slots    | one [`Slot`] per worker: tasks done, progress, heartbeat   |
//! | sections | one area per lab that needs one ([`SectionId`])            |
//!
//! Everything a process may change lives in atomics, so a `&T` into the region
//! is sound in every process that maps it. The fd is created close-on-exec and
//! handed to workers explicitly at [`WORKER_SHM_FD`]; it is anonymous, so it
//! disappears with the last process that holds it: nothing is left behind.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use nix::sys::memfd::{MFdFlags, memfd_create};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};

use super::controller::{Controller, Sizing};
use super::slot::Slot;

/// "PROCLAB\0" read as a little-endian u64.
pub const MAGIC: u64 = u64::from_le_bytes(*b"PROCLAB\0");
/// Bumped whenever the layout of the header, a slot or a section changes.
pub const LAYOUT_VERSION: u32 = 7;
/// The fd number at which a worker finds the region.
pub const WORKER_SHM_FD: i32 = 3;

const PAGE: usize = 4096;
const MAX_SECTIONS: usize = 12;

macro_rules! sections {
    ($( ($Lab:ident, $m:ident, $Ctl:ident, $($rest:tt)*) ),* $(,)?) => {
        /// Areas of the region: the workers' slots, then one per lab of
        /// the registry, sized by its controller
        /// ([`Controller::section_len`]; a lab with no shared state gets an
        /// empty page). A lab reads its own with [`Region::section`], or
        /// [`Region::section_raw`] for one laid out in parts. Changing one
        /// bumps [`LAYOUT_VERSION`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u32)]
        pub enum SectionId {
            /// The per-worker slots.
            Slots,
            $(
                #[doc = concat!("The ", stringify!($m), " lab's shared state.")]
                $Lab,
            )*
        }

        impl SectionId {
            pub const ALL: &'static [SectionId] = &[SectionId::Slots, $(SectionId::$Lab),*];

            fn len(self, sizing: Sizing) -> usize {
                match self {
                    SectionId::Slots => sizing.slot_count * size_of::<Slot>(),
                    $(
                        SectionId::$Lab => {
                            <super::$m::$Ctl as Controller>::section_len(sizing)
                        }
                    )*
                }
            }
        }
    };
}
crate::registry::for_each_lab!(sections);

const _: () = assert!(SectionId::ALL.len() <= MAX_SECTIONS, "raise MAX_SECTIONS");

#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct SectionEntry {
    offset: u64,
    len: u64,
}

#[repr(C)]
struct Header {
    magic: u64,
    version: u32,
    slot_count: u32,
    region_len: u64,
    /// Busy-loop iterations that take one millisecond on this machine.
    iters_per_ms: AtomicU64,
    /// Bumped by any process that wants the UI to redraw soon.
    generation: AtomicU32,
    _pad: u32,
    sections: [SectionEntry; MAX_SECTIONS],
}

/// Types that may be read in place from the shared region.
///
/// # Safety
/// Implementors are `#[repr(C)]`, valid when all-zero, and change only through
/// atomics or other primitives meant for sharing between processes.
pub unsafe trait Shared: Sync {}

unsafe impl Shared for Slot {}

/// Errors opening or creating the region.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    #[error("cannot create the shared region: {0}")]
    Create(nix::Error),
    #[error("cannot map the shared region: {0}")]
    Map(nix::Error),
    #[error("the shared region is not proclab's (bad magic number)")]
    BadMagic,
    #[error("the shared region has layout version {found}, this build expects {LAYOUT_VERSION}")]
    Version { found: u32 },
    #[error("the shared region is {found} bytes, its header says {expected}")]
    Length { found: usize, expected: usize },
}

/// A mapping of the shared region.
pub struct Region {
    ptr: NonNull<u8>,
    len: usize,
    fd: OwnedFd,
}

// The mapping is plain memory whose shared parts are all atomics.
unsafe impl Send for Region {}
unsafe impl Sync for Region {}

fn page_align(n: usize) -> usize {
    n.div_ceil(PAGE) * PAGE
}

impl Region {
    /// Creates a fresh region with `slot_count` worker slots and room for a
    /// pool job of `pool_items` items.
    pub fn create_sized(slot_count: usize, pool_items: usize) -> Result<Region, RegionError> {
        let mut sections = [SectionEntry { offset: 0, len: 0 }; MAX_SECTIONS];
        let mut offset = page_align(size_of::<Header>());
        let sizing = Sizing {
            slot_count,
            pool_items,
        };
        for &id in SectionId::ALL {
            let len = id.len(sizing);
            sections[id as usize] = SectionEntry {
                offset: offset as u64,
                len: len as u64,
            };
            offset += page_align(len.max(1));
        }
        let len = offset;
        let fd = memfd_create("proclab", MFdFlags::MFD_CLOEXEC).map_err(RegionError::Create)?;
        nix::unistd::ftruncate(&fd, len as i64).map_err(RegionError::Create)?;
        let region = Region::map(fd, len)?;
        // Safety: nobody else maps this memfd yet; the header is plain data.
        unsafe {
            let header = region.ptr.as_ptr().cast::<Header>();
            (*header).version = LAYOUT_VERSION;
            (*header).slot_count = slot_count as u32;
            (*header).region_len = len as u64;
            (*header).sections = sections;
            (*header).magic = MAGIC;
        }
        Ok(region)
    }

    /// Maps a region created by another process, checking its header.
    pub fn open(fd: OwnedFd) -> Result<Region, RegionError> {
        let stat = nix::sys::stat::fstat(&fd).map_err(RegionError::Map)?;
        let found = stat.st_size as usize;
        if found < size_of::<Header>() {
            return Err(RegionError::BadMagic);
        }
        let region = Region::map(fd, found)?;
        let header = region.header();
        if header.magic != MAGIC {
            return Err(RegionError::BadMagic);
        }
        if header.version != LAYOUT_VERSION {
            return Err(RegionError::Version {
                found: header.version,
            });
        }
        if header.region_len as usize != found {
            return Err(RegionError::Length {
                found,
                expected: header.region_len as usize,
            });
        }
        Ok(region)
    }

    fn map(fd: OwnedFd, len: usize) -> Result<Region, RegionError> {
        let size = std::num::NonZeroUsize::new(len).expect("region length is never zero");
        // Safety: a fresh shared mapping of our own fd; no Rust object aliases it yet.
        let ptr = unsafe {
            mmap(
                None,
                size,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                &fd,
                0,
            )
        }
        .map_err(RegionError::Map)?;
        Ok(Region {
            ptr: ptr.cast(),
            len,
            fd,
        })
    }

    fn header(&self) -> &Header {
        // Safety: the region is at least a header long and page-aligned.
        unsafe { &*self.ptr.as_ptr().cast::<Header>() }
    }

    /// The memfd, to hand to a worker.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// A duplicate of the memfd (close-on-exec), for one spawn.
    pub fn dup_fd(&self) -> std::io::Result<OwnedFd> {
        self.fd.try_clone()
    }

    /// The raw fd number in this process (for diagnostics).
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn slot_count(&self) -> usize {
        self.header().slot_count as usize
    }

    pub fn iters_per_ms(&self) -> u64 {
        self.header().iters_per_ms.load(Ordering::Relaxed)
    }

    pub fn set_iters_per_ms(&self, n: u64) {
        self.header().iters_per_ms.store(n, Ordering::Relaxed);
    }

    /// A counter any process bumps when it changes something the UI shows.
    pub fn generation(&self) -> u32 {
        self.header().generation.load(Ordering::Relaxed)
    }

    pub fn bump_generation(&self) {
        self.header().generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The slot of worker slot index `i`.
    pub fn slot(&self, i: usize) -> &Slot {
        let slots: &[Slot] = self.section_slice(SectionId::Slots);
        &slots[i]
    }

    /// A section read as one `T`.
    pub fn section<T: Shared>(&self, id: SectionId) -> &T {
        let entry = self.header().sections[id as usize];
        assert!(
            size_of::<T>() <= entry.len as usize,
            "section {id:?} is smaller than the type read from it"
        );
        // Safety: in bounds (checked), page-aligned, and T is Shared.
        unsafe { &*self.ptr.as_ptr().add(entry.offset as usize).cast::<T>() }
    }

    /// A section's start and length in bytes, for sections laid out in parts.
    pub fn section_raw(&self, id: SectionId) -> (NonNull<u8>, usize) {
        let entry = self.header().sections[id as usize];
        // Safety: the offset is within the mapping (written by `create`).
        let ptr = unsafe { self.ptr.add(entry.offset as usize) };
        (ptr, entry.len as usize)
    }

    /// A section read as a slice of `T`, as many as fit.
    pub fn section_slice<T: Shared>(&self, id: SectionId) -> &[T] {
        let entry = self.header().sections[id as usize];
        let count = entry.len as usize / size_of::<T>();
        // Safety: in bounds, page-aligned, and T is Shared.
        unsafe {
            std::slice::from_raw_parts(
                self.ptr.as_ptr().add(entry.offset as usize).cast::<T>(),
                count,
            )
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // Safety: we own this mapping and hand out no references that outlive `self`.
        unsafe {
            let _ = munmap(self.ptr.cast(), self.len);
        }
    }
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Region")
            .field("len", &self.len)
            .field("slots", &self.slot_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_reopens_through_its_fd() {
        let region = Region::create_sized(4, 100).unwrap();
        region.set_iters_per_ms(1234);
        region.slot(2).tasks_done.store(7, Ordering::Relaxed);
        let other = Region::open(region.dup_fd().unwrap()).unwrap();
        assert_eq!(other.slot_count(), 4);
        assert_eq!(other.iters_per_ms(), 1234);
        assert_eq!(other.slot(2).tasks_done.load(Ordering::Relaxed), 7);
        other.slot(1).progress.store(5000, Ordering::Relaxed);
        assert_eq!(region.slot(1).progress.load(Ordering::Relaxed), 5000);
    }

    #[test]
    fn a_foreign_memfd_is_refused() {
        let fd = memfd_create("other", MFdFlags::MFD_CLOEXEC).unwrap();
        nix::unistd::ftruncate(&fd, 8192).unwrap();
        assert!(matches!(Region::open(fd), Err(RegionError::BadMagic)));
    }
}

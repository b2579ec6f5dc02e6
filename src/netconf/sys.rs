//! Thin wrappers over the interface and route ioctls (no netlink, no `ip`).
//!
//! Callers validate interface names first (`valid_ifname`); these functions
//! only refuse names that would not fit `ifr_name`.

use std::ffi::CString;
use std::io;
use std::mem::zeroed;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `struct rtentry` from <linux/route.h> (libc has it only for musl/uclibc).
#[repr(C)]
struct RtEntry {
    rt_pad1: libc::c_ulong,
    rt_dst: libc::sockaddr,
    rt_gateway: libc::sockaddr,
    rt_genmask: libc::sockaddr,
    rt_flags: libc::c_ushort,
    rt_pad2: libc::c_short,
    rt_pad3: libc::c_ulong,
    rt_pad4: *mut libc::c_void,
    rt_metric: libc::c_short,
    rt_dev: *mut libc::c_char,
    rt_mtu: libc::c_ulong,
    rt_window: libc::c_ulong,
    rt_irtt: libc::c_ushort,
}

/// `struct in6_rtmsg` from <linux/ipv6_route.h> (libc's fields are private).
#[repr(C)]
struct In6Rtmsg {
    dst: libc::in6_addr,
    src: libc::in6_addr,
    gateway: libc::in6_addr,
    rtype: u32,
    dst_len: u16,
    src_len: u16,
    metric: u32,
    info: libc::c_ulong,
    flags: u32,
    ifindex: libc::c_int,
}

const RTF_UP: u32 = 0x0001;
const RTF_GATEWAY: u32 = 0x0002;

/// The largest metric an IPv4 ioctl route can carry (`rt_metric` is a short
/// holding metric + 1).
pub const MAX_V4_METRIC: u32 = i16::MAX as u32 - 1;

fn socket(family: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall; the fd is owned from here on.
    let fd = unsafe { libc::socket(family, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Issues one ioctl on a fresh socket of `family`.
fn ioctl<T>(family: libc::c_int, request: libc::c_ulong, arg: &mut T) -> io::Result<()> {
    let sock = socket(family)?;
    // SAFETY: `arg` is the struct this request expects and outlives the call.
    // `as _`: the request is c_ulong on glibc, c_int on musl.
    let r = unsafe { libc::ioctl(sock.as_raw_fd(), request as _, arg as *mut T) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    // SAFETY: ifreq is plain data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { zeroed() };
    if name.is_empty() || name.len() >= req.ifr_name.len() || name.contains('\0') {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    for (d, s) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *d = s as libc::c_char;
    }
    Ok(req)
}

fn sockaddr4(a: Ipv4Addr) -> libc::sockaddr {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(a).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: sockaddr_in and sockaddr have the same size (16 bytes).
    unsafe { std::mem::transmute::<libc::sockaddr_in, libc::sockaddr>(sin) }
}

fn in6(a: Ipv6Addr) -> libc::in6_addr {
    libc::in6_addr {
        s6_addr: a.octets(),
    }
}

/// Sets IFF_UP; returns whether it was down.
pub fn set_up(iface: &str) -> io::Result<bool> {
    let mut req = ifreq(iface)?;
    ioctl(libc::AF_INET, libc::SIOCGIFFLAGS, &mut req)?;
    // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    if flags & libc::IFF_UP as libc::c_short != 0 {
        return Ok(false);
    }
    req.ifr_ifru.ifru_flags = flags | libc::IFF_UP as libc::c_short;
    ioctl(libc::AF_INET, libc::SIOCSIFFLAGS, &mut req)?;
    Ok(true)
}

pub fn ifindex(iface: &str) -> io::Result<libc::c_int> {
    let mut req = ifreq(iface)?;
    ioctl(libc::AF_INET, libc::SIOCGIFINDEX, &mut req)?;
    // SAFETY: SIOCGIFINDEX filled the index member.
    Ok(unsafe { req.ifr_ifru.ifru_ifindex })
}

/// Sets the IPv4 address of `label` (an interface or `iface:alias`).
pub fn set_addr4(label: &str, a: Ipv4Addr) -> io::Result<()> {
    let mut req = ifreq(label)?;
    req.ifr_ifru.ifru_addr = sockaddr4(a);
    ioctl(libc::AF_INET, libc::SIOCSIFADDR, &mut req)
}

pub fn set_netmask4(label: &str, mask: Ipv4Addr) -> io::Result<()> {
    let mut req = ifreq(label)?;
    req.ifr_ifru.ifru_netmask = sockaddr4(mask);
    ioctl(libc::AF_INET, libc::SIOCSIFNETMASK, &mut req)
}

/// Deletes the address of `label`: the kernel drops an ifa set to 0.0.0.0.
pub fn del_addr4(label: &str) -> io::Result<()> {
    set_addr4(label, Ipv4Addr::UNSPECIFIED)
}

fn in6_ifreq(iface: &str, a: Ipv6Addr, prefix: u8) -> io::Result<libc::in6_ifreq> {
    Ok(libc::in6_ifreq {
        ifr6_addr: in6(a),
        ifr6_prefixlen: u32::from(prefix),
        ifr6_ifindex: ifindex(iface)?,
    })
}

pub fn add_addr6(iface: &str, a: Ipv6Addr, prefix: u8) -> io::Result<()> {
    let mut req = in6_ifreq(iface, a, prefix)?;
    ioctl(libc::AF_INET6, libc::SIOCSIFADDR, &mut req)
}

pub fn del_addr6(iface: &str, a: Ipv6Addr, prefix: u8) -> io::Result<()> {
    let mut req = in6_ifreq(iface, a, prefix)?;
    ioctl(libc::AF_INET6, libc::SIOCDIFADDR, &mut req)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteOp {
    Add,
    Del,
}

impl RouteOp {
    fn request(self) -> libc::c_ulong {
        match self {
            RouteOp::Add => libc::SIOCADDRT,
            RouteOp::Del => libc::SIOCDELRT,
        }
    }
}

/// The IPv4 default route on `iface`, via `gateway` if given.
///
/// The kernel stores `rt_metric - 1` as the route's priority (and 0 means
/// "priority 0"), so `metric` is passed as metric + 1; see MAX_V4_METRIC.
pub fn route4(op: RouteOp, iface: &str, gateway: Option<Ipv4Addr>, metric: u32) -> io::Result<()> {
    if metric > MAX_V4_METRIC {
        return Err(io::Error::from_raw_os_error(libc::ERANGE));
    }
    let dev = CString::new(iface).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut flags = RTF_UP;
    if gateway.is_some() {
        flags |= RTF_GATEWAY;
    }
    let mut rt = RtEntry {
        rt_pad1: 0,
        rt_dst: sockaddr4(Ipv4Addr::UNSPECIFIED),
        rt_gateway: sockaddr4(gateway.unwrap_or(Ipv4Addr::UNSPECIFIED)),
        rt_genmask: sockaddr4(Ipv4Addr::UNSPECIFIED),
        rt_flags: flags as libc::c_ushort,
        rt_pad2: 0,
        rt_pad3: 0,
        rt_pad4: std::ptr::null_mut(),
        rt_metric: (metric + 1) as libc::c_short,
        rt_dev: dev.as_ptr() as *mut libc::c_char,
        rt_mtu: 0,
        rt_window: 0,
        rt_irtt: 0,
    };
    ioctl(libc::AF_INET, op.request(), &mut rt)
}

/// The IPv6 default route on `iface`. Unlike IPv4 the metric is taken as is
/// (0 becomes the kernel's default, 1024).
pub fn route6(op: RouteOp, iface: &str, gateway: Option<Ipv6Addr>, metric: u32) -> io::Result<()> {
    let mut flags = RTF_UP;
    if gateway.is_some() {
        flags |= RTF_GATEWAY;
    }
    let mut rt = In6Rtmsg {
        dst: in6(Ipv6Addr::UNSPECIFIED),
        src: in6(Ipv6Addr::UNSPECIFIED),
        gateway: in6(gateway.unwrap_or(Ipv6Addr::UNSPECIFIED)),
        rtype: 0,
        dst_len: 0,
        src_len: 0,
        metric,
        info: 0,
        flags,
        ifindex: ifindex(iface)?,
    };
    ioctl(libc::AF_INET6, op.request(), &mut rt)
}

/// Every address on `iface` (IPv4 aliases `iface:x` included), with its
/// label, through getifaddrs(3).
pub fn addresses(iface: &str) -> io::Result<Vec<(String, IpAddr)>> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below.
    if unsafe { libc::getifaddrs(&mut head) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned.
        let ifa = unsafe { &*cur };
        cur = ifa.ifa_next;
        if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        let name = unsafe { std::ffi::CStr::from_ptr(ifa.ifa_name) }
            .to_string_lossy()
            .into_owned();
        if name != iface && !name.starts_with(&format!("{iface}:")) {
            continue;
        }
        // SAFETY: the family says which sockaddr this is.
        let ip = unsafe {
            match i32::from((*ifa.ifa_addr).sa_family) {
                libc::AF_INET => {
                    let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                    IpAddr::V4(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)))
                }
                libc::AF_INET6 => {
                    let sin6 = &*(ifa.ifa_addr as *const libc::sockaddr_in6);
                    IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr))
                }
                _ => continue,
            }
        };
        out.push((name, ip));
    }
    // SAFETY: `head` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    Ok(out)
}

#[cfg(test)]
#[test]
fn struct_sizes_match_the_kernel() {
    use std::mem::size_of;
    // sizeof() of the C structs on 64-bit and on 32-bit ARM.
    let wide = size_of::<usize>() == 8;
    assert_eq!(size_of::<RtEntry>(), if wide { 120 } else { 84 });
    assert_eq!(size_of::<In6Rtmsg>(), if wide { 80 } else { 72 });
}

"""Writing a file so that a write that fails leaves no partial one: what ``dump`` and the command
line's ``--save`` share. Imports nothing heavy (the command line checks its arguments before
TensorFlow is imported)."""

import contextlib
import os
import stat
import tempfile


def write_replacing(path, write, *, suffix=""):
    """Call ``write(name)`` to write ``path``'s new content to the file ``name``: a new file in
    ``path``'s folder, renamed over ``path`` once complete, so that a write that fails (a full
    disk) or is interrupted leaves an earlier file at ``path`` as it was, and no partial one (it
    had truncated it). The new file's name ends with ``suffix``. The file gets the permissions
    an earlier one had, else those a new file gets (the umask's). Where that cannot be done, or
    should not, ``path`` is written in place, as ``open`` writes it, and fails as that fails: a
    path that is not a regular file (``/dev/null``, a pipe), that names no file (empty, or
    ending in a separator), a file not writable (read-only: replacing it would overwrite what
    ``open`` refuses to), a folder where no new file may be made (or whose name limit the new
    file's name would pass), or a file that may be written but not replaced (another user's,
    in a folder such as /tmp; a bind-mounted file).

    An ``OSError`` that names no file (a full disk's) is raised naming ``path``."""
    try:
        _write_replacing(path, write, suffix)
    except OSError as error:
        if error.filename is not None or error.errno is None:
            raise
        # OSError's constructor picks the subclass of the errno (PermissionError, ...).
        raise OSError(error.errno, error.strerror, os.fsdecode(path)) from error


def _write_replacing(path, write, suffix):
    if not os.path.basename(path) or (
        os.path.exists(path)  # links followed
        and (not stat.S_ISREG(os.stat(path).st_mode) or not os.access(path, os.W_OK))
    ) or _follows_a_guarded_link(path):
        write(path)
        return
    target = os.path.realpath(path)  # through a link: the file it points to is replaced
    prefix = ".l1l2-estimator-"
    if isinstance(target, bytes):  # mkstemp takes no mix of str and bytes
        prefix, suffix = os.fsencode(prefix), os.fsencode(suffix)
    # The fallbacks write outside the except clauses: an error of theirs (a folder that does
    # not exist) had been shown chained to the temporary file's, which the user never named.
    try:
        handle, temporary = tempfile.mkstemp(
            dir=os.path.dirname(target), prefix=prefix, suffix=suffix
        )
    except OSError:
        handle = None
    if handle is None:
        write(path)
        return
    try:
        os.close(handle)
        write(temporary)
        os.chmod(temporary, _new_file_mode(target))
        try:
            os.replace(temporary, target)
            replaced = True
        except OSError:  # a writable file we may not replace (EPERM), a mount point (EBUSY)
            replaced = False
        if not replaced:
            os.unlink(temporary)
            write(path)
    except BaseException:  # KeyboardInterrupt included
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _follows_a_guarded_link(path):
    """Whether ``path`` leads through a symbolic link that Linux's ``fs.protected_symlinks``
    keeps ``open`` from following (see ``_guarded``). Such a path is written in place, as
    ``open`` writes it, so that the kernel decides: resolved here (``os.path.realpath`` reads a
    link without the kernel's check), another user's link in /tmp had redirected the new file
    onto any file this process may write."""
    path = os.fsdecode(os.path.abspath(path))
    folder, remaining, hops = os.sep, path.split(os.sep)[1:], 0
    while remaining:
        name = remaining.pop(0)
        if name in ("", "."):
            continue
        candidate = os.path.join(folder, name)
        try:
            info = os.lstat(candidate)
        except OSError:  # not there yet (a new file), or not to be looked at
            return False
        if not stat.S_ISLNK(info.st_mode):
            folder = candidate
            continue
        hops += 1
        if hops > 40:  # a loop of links, which open refuses as it will
            return False
        try:
            if _guarded(info, os.stat(folder), os.geteuid()):
                return True
            target = os.readlink(candidate)
        except (OSError, AttributeError):  # (no geteuid: not a POSIX system)
            return False
        if os.path.isabs(target):
            folder = os.sep
        remaining = target.split(os.sep) + remaining
    return False


def _guarded(link, folder, user):
    """Whether Linux's ``fs.protected_symlinks`` (on by default in the common distributions)
    keeps ``user`` from following the link of stat ``link`` in the folder of stat ``folder``:
    a sticky, world-writable folder (such as /tmp) and a link owned by neither the user nor
    the folder's owner."""
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    return bool(shared) and link.st_uid not in (user, folder.st_uid)


def _new_file_mode(path):
    """The permissions of the file at ``path``, or of a new file there (0o666 less the umask)."""
    with contextlib.suppress(FileNotFoundError):
        return stat.S_IMODE(os.stat(path).st_mode)
    return 0o666 & ~_umask()


def _umask():
    """The process's umask: read from Linux's /proc (setting it to read it, elsewhere, is not
    safe while other threads, TensorFlow's, may create files)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("Umask:"))
        return int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask

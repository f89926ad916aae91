//! Reading a password from the terminal without showing it: echo is turned
//! off on the controlling terminal for one line (the line break is still
//! shown) and restored afterwards, whatever happened.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};

use rustix::termios::{self, LocalModes, OptionalActions};

/// The longest line read (a password is far shorter).
const MAX_LINE: usize = 4096;

/// Asks `prompt` on the terminal and reads one line without echo.
pub fn read_hidden(prompt: &str) -> io::Result<String> {
    let mut tty = OpenOptions::new().read(true).write(true).open("/dev/tty")?;
    let before = termios::tcgetattr(&tty)?;
    let mut quiet = before.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    quiet.local_modes.insert(LocalModes::ECHONL);
    termios::tcsetattr(&tty, OptionalActions::Flush, &quiet)?;
    let line = (|| {
        tty.write_all(prompt.as_bytes())?;
        tty.flush()?;
        read_line(&mut tty)
    })();
    let restored = termios::tcsetattr(&tty, OptionalActions::Now, &before);
    let line = line?;
    restored?;
    Ok(line)
}

/// One line, read a byte at a time so nothing after it is consumed.
fn read_line(tty: &mut File) -> io::Result<String> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match tty.read(&mut byte)? {
            0 => break,
            _ if byte[0] == b'\n' => break,
            _ => bytes.push(byte[0]),
        }
        if bytes.len() > MAX_LINE {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8"))
}

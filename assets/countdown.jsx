import { useEffect, useState } from "react";

// Counts down from `remainingMs` (measured on the server when the order was
// loaded). The browser's own clock is never compared with the server's: the
// deadline is "now + remainingMs" on the monotonic clock, reset whenever the
// server sends a new measurement (`stamp` changes).
function format(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
}

export function Countdown({ remainingMs, stamp, expiredText, ...rest }) {
  const [deadline, setDeadline] = useState(null);
  const [now, setNow] = useState(0);

  useEffect(() => {
    const start = performance.now();
    setDeadline(start + (remainingMs || 0));
    setNow(start);
  }, [remainingMs, stamp]);

  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 250);
    return () => clearInterval(timer);
  }, []);

  const left = deadline === null ? remainingMs || 0 : Math.max(0, deadline - now);
  const done = left <= 0;
  return (
    <span
      role="timer"
      data-remaining-seconds={Math.ceil(left / 1000)}
      data-expired={done ? "true" : "false"}
      {...rest}
    >
      {done && expiredText ? expiredText : format(left)}
    </span>
  );
}

import { useEffect, useState } from "react";

// An event's start in the visitor's own time zone and language, e.g.
// "Sat 14 Jun 2031, 20:30". The server sends UTC (`iso`) and a UTC text
// (`fallback`), shown until the browser has formatted it.
export function LocalTime({ iso, fallback, ...rest }) {
  const [text, setText] = useState(null);
  useEffect(() => {
    const when = new Date(iso);
    if (!iso || isNaN(when.getTime())) {
      setText(null);
      return;
    }
    setText(
      new Intl.DateTimeFormat(undefined, {
        weekday: "short",
        day: "numeric",
        month: "short",
        year: "numeric",
        hour: "2-digit",
        minute: "2-digit",
      }).format(when)
    );
  }, [iso]);
  return (
    <time dateTime={iso} {...rest}>
      {text === null ? fallback : text}
    </time>
  );
}

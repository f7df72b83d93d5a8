//! The `table_stats` tool: statistics of one column of the run's data file, read as CSV with a
//! header row (at most 100 000 rows and 256 columns; the data file itself is at most 1 MiB).

use std::collections::HashMap;

use super::number::format_number;

/// The most data rows read.
pub const MAX_ROWS: usize = 100_000;
/// The most columns in the header.
pub const MAX_COLUMNS: usize = 256;
/// The statistics `column,stat` accepts.
pub const STATS: &[&str] = &["count", "sum", "mean", "min", "max", "median", "stddev"];

/// Answer `args` (`columns`, `<column>` or `<column>,<stat>`) over the CSV `data`.
pub(crate) fn stats(data: &[u8], args: &str) -> Result<String, String> {
    let args = args.trim();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(data);
    let headers = reader
        .headers()
        .map_err(|e| format!("the data file is not CSV ({e}); for JSON data use json_query"))?
        .clone();
    if headers.len() > MAX_COLUMNS {
        return Err(format!(
            "the data has {} columns, over the most this tool reads ({MAX_COLUMNS})",
            headers.len()
        ));
    }
    let names: Vec<&str> = headers.iter().map(str::trim).collect();
    if args.is_empty() || args.eq_ignore_ascii_case("columns") {
        let rows = count_rows(&mut reader)?;
        return Ok(format!("{rows} rows; columns: {}", names.join(", ")));
    }
    let (column, stat) = match args.rsplit_once(',') {
        Some((c, s)) if STATS.contains(&s.trim().to_ascii_lowercase().as_str()) => {
            (c.trim(), Some(s.trim().to_ascii_lowercase()))
        }
        _ => (args, None),
    };
    let index = names
        .iter()
        .position(|n| *n == column)
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(column)))
        .ok_or_else(|| {
            format!(
                "no column {column:?}; the columns are: {}; give `column` or `column,stat` with \
                 stat one of {}",
                names.join(", "),
                STATS.join(", ")
            )
        })?;
    let column = names[index];

    let mut numbers = Vec::new();
    let mut empty = 0usize;
    let mut text: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut rows = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("the CSV data is malformed ({e})")),
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(format!(
                "the data has more than {MAX_ROWS} rows, more than this tool reads"
            ));
        }
        let field = record.get(index).unwrap_or("").trim();
        if field.is_empty() {
            empty += 1;
        } else if let Some(x) = field.parse::<f64>().ok().filter(|x| x.is_finite()) {
            numbers.push(x);
        } else {
            *text.entry(field.to_string()).or_insert(0) += 1;
        }
    }

    if numbers.is_empty() {
        let values: usize = text.values().sum();
        let common = text
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(v, n)| format!("; most common: {:?} ({n} times)", cut(v, 60)))
            .unwrap_or_default();
        return Ok(format!(
            "column {column:?} has no numeric values: {rows} rows, {values} values, {} distinct, \
             {empty} empty{common}",
            text.len()
        ));
    }
    let n = numbers.len() as f64;
    let sum: f64 = numbers.iter().sum();
    let mean = sum / n;
    let variance = numbers.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    numbers.sort_by(f64::total_cmp);
    let mid = numbers.len() / 2;
    let median = if numbers.len() % 2 == 1 {
        numbers[mid]
    } else {
        (numbers[mid - 1] + numbers[mid]) / 2.0
    };
    let min = numbers[0];
    let max = numbers[numbers.len() - 1];
    let all = [
        ("count", numbers.len() as f64),
        ("sum", sum),
        ("mean", mean),
        ("min", min),
        ("max", max),
        ("median", median),
        ("stddev", variance.sqrt()),
    ];
    let skipped = text.values().sum::<usize>();
    let note = if empty + skipped > 0 {
        format!(" ({empty} empty and {skipped} non-numeric values skipped)")
    } else {
        String::new()
    };
    match stat {
        Some(stat) => {
            let value = all
                .iter()
                .find(|(name, _)| *name == stat)
                .map_or(0.0, |s| s.1);
            Ok(format!(
                "{stat} of {column:?}: {}{note}",
                format_number(value)
            ))
        }
        None => {
            let parts: Vec<String> = all
                .iter()
                .map(|(name, v)| format!("{name} {}", format_number(*v)))
                .collect();
            Ok(format!(
                "column {column:?}: {} (stddev is the population one){note}",
                parts.join(", ")
            ))
        }
    }
}

fn count_rows(reader: &mut csv::Reader<&[u8]>) -> Result<usize, String> {
    let mut record = csv::ByteRecord::new();
    let mut rows = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => rows += 1,
            Ok(false) => return Ok(rows),
            Err(e) => return Err(format!("the CSV data is malformed ({e})")),
        }
        if rows > MAX_ROWS {
            return Err(format!(
                "the data has more than {MAX_ROWS} rows, more than this tool reads"
            ));
        }
    }
}

/// `s` cut to `max` characters.
pub(crate) fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::stats;

    const DATA: &[u8] = b"name,price,qty\na,2.5,1\nb,4,\nc,x,3\nd,1.5,2\n";

    #[test]
    fn statistics() {
        assert_eq!(
            stats(DATA, "columns").unwrap(),
            "4 rows; columns: name, price, qty"
        );
        assert_eq!(
            stats(DATA, "price").unwrap(),
            "column \"price\": count 3, sum 8, mean 2.66666666666667, min 1.5, max 4, median 2.5, \
             stddev 1.02740233382816 (stddev is the population one) (0 empty and 1 non-numeric \
             values skipped)"
        );
        assert_eq!(
            stats(DATA, "qty, median").unwrap(),
            "median of \"qty\": 2 (1 empty and 0 non-numeric values skipped)"
        );
        assert_eq!(
            stats(DATA, "PRICE,max").unwrap(),
            "max of \"price\": 4 (0 empty and 1 non-numeric values skipped)"
        );
        assert_eq!(
            stats(DATA, "name").unwrap(),
            "column \"name\" has no numeric values: 4 rows, 4 values, 4 distinct, 0 empty; most common: \"a\" (1 times)"
        );
    }

    #[test]
    fn errors() {
        assert!(stats(DATA, "nope")
            .unwrap_err()
            .contains("no column \"nope\"; the columns are: name, price, qty"));
        let wide = (0..300)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(stats(wide.as_bytes(), "c1")
            .unwrap_err()
            .contains("300 columns"));
        let long = format!("a\n{}", "1\n".repeat(100_001));
        assert!(stats(long.as_bytes(), "a")
            .unwrap_err()
            .contains("more than 100000 rows"));
        assert!(stats(long.as_bytes(), "columns")
            .unwrap_err()
            .contains("more than 100000 rows"));
    }
}

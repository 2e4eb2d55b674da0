-- Order lines, latest delivery of each (source, order_id, line_no), with the linked customer_id.
-- Sheets without line numbers number an order's rows in file order, so a re-delivered file dedupes
-- and a multi-line order keeps every line.
with numbered as (
    select
        {{ star_replace(ref('stg_silver__orders'), {'line_no': "coalesce(line_no, row_number() over (
                partition by source, order_id, loaded_from_file, run_date order by loaded_from_line
            ))"}) }}
    from {{ ref('stg_silver__orders') }}
    where order_id is not null
),

rows_ as (
    select * from numbered
    {{ latest_per_key(['source', 'order_id', 'line_no']) }}
)
{{ select_linked('rows_') }}

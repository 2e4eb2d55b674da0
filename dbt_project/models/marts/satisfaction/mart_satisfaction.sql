-- Satisfaction by month × customer segment × channel × product category, with roll-ups where a
-- dimension is '(all)'. NPS = % promoters − % detractors (−100..100); CSAT = % of answers scoring 4–5;
-- complaint rate = share of responses flagged as complaints. Cells with fewer than var('nps_min_sample')
-- NPS answers are flagged small_sample. `respondents` counts the distinct linked customers behind a cell (answers
-- not linked to a customer count no one): delivery suppresses cells with fewer than a policy's min_cell_size.
with responses as (
    select
        r.customer_id,
        cast(date_trunc('month', r.submitted_at) as date) as response_month,
        coalesce({{ clean_text('d.segment') }}, 'unknown') as customer_segment,
        r.channel,
        r.product_category,
        r.nps_score,
        r.nps_category,
        r.csat_score,
        r.feedback_type
    from {{ ref('fct_survey_responses') }} as r
    left join {{ ref('dim_customer') }} as d on d.customer_id = r.customer_id
    where r.submitted_at is not null
),

cells as (
    select
        response_month,
        coalesce(customer_segment, '(all)') as customer_segment,
        coalesce(channel, '(all)') as channel,
        coalesce(product_category, '(all)') as product_category,
        count(*) as response_count,
        count(distinct customer_id) as respondents,
        count(nps_score) as nps_responses,
        count(*) filter (where nps_category = 'promoter') as promoters,
        count(*) filter (where nps_category = 'passive') as passives,
        count(*) filter (where nps_category = 'detractor') as detractors,
        count(csat_score) as csat_responses,
        count(*) filter (where csat_score >= 4) as csat_satisfied,
        avg(csat_score) as avg_csat_score,
        count(*) filter (where feedback_type = 'complaint') as complaints,
        count(*) filter (where feedback_type = 'suggestion') as suggestions
    from responses
    group by grouping sets (
        (response_month, customer_segment, channel, product_category),
        (response_month, customer_segment),
        (response_month, channel),
        (response_month, product_category),
        (response_month)
    )
)

select
    {{ surrogate_key(['response_month', 'customer_segment', 'channel', 'product_category']) }} as satisfaction_key,
    *,
    round(100.0 * (promoters - detractors) / nullif(nps_responses, 0), 2) as nps,
    round(100.0 * csat_satisfied / nullif(csat_responses, 0), 2) as csat_pct,
    round(complaints / response_count, 4) as complaint_rate,
    nps_responses < {{ var('nps_min_sample') | int }} as small_sample
from cells

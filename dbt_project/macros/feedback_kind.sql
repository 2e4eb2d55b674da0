{#- A survey feedback type or an interaction type as the shared vocabulary of fct_feedback: any wording of a
    complaint (投诉 / 投訴 / 客诉 / 抱怨 / complaint / complain…) is 'complaint', of a suggestion (建议 / 建議 /
    suggestion) 'suggestion', of praise (表扬 / 表揚 / 好评 / praise / compliment) 'praise'; any other value stays
    a lower-case token, NULL when blank. Wordings: vars complaint_wordings, suggestion_wordings, praise_wordings
    (regular expressions). -#}
{% macro feedback_kind(column) -%}
    {%- set token = clean_category(column) -%}
    case
        when {{ matches_regexp(token, var('complaint_wordings', '投诉|投訴|客诉|客訴|抱怨|complain')) }} then 'complaint'
        when {{ matches_regexp(token, var('suggestion_wordings', '建议|建議|suggest')) }} then 'suggestion'
        when {{ matches_regexp(token, var('praise_wordings', '表扬|表揚|好评|好評|praise|compliment')) }} then 'praise'
        else {{ token }}
    end
{%- endmacro %}

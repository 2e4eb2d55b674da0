{#- Root of the data layers: var c360_data_dir, else $C360_DATA_DIR, else ../data (relative to where dbt
    runs). The same rule is spelled out in profiles.yml and staging/_sources.yml, where macros cannot run. -#}
{% macro c360_data_dir() -%}
    {{- var('c360_data_dir', env_var('C360_DATA_DIR', '../data')).rstrip('/') -}}
{%- endmacro %}

{#- Path of a data layer under the data root. -#}
{% macro data_path(relative) -%}
    {{- c360_data_dir() ~ '/' ~ relative -}}
{%- endmacro %}

{{ config(materialized='view') }}
{{ with_device_site('t._reject_reason IS NOT NULL', keep_reason=true) }}

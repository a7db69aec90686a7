{{ config(materialized='view') }}
{{ with_device_site('t._reject_reason IS NULL', keep_reason=false) }}

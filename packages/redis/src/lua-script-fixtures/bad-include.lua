-- Test fixture: an include without quotes, refused.
--- @include shared/double
return 1
